"""The base every layer stands on: paths and defaults, the database file, named SQL, redaction."""
