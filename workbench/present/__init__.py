"""Values into text tables, JSON, HTML, charts and widgets."""
