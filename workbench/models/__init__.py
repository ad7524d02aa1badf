"""The marts built from the raw tables (SQL models), with the rules they apply: prices, friction."""
