"""`workbench serve`: one process owns the database, watches the transcript folders, ingests
what changes and answers the read commands over HTTP (``app``), with ``state`` and ``client``
the light half every CLI read command uses to find and talk to it."""
