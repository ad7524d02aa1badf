"""Transcripts into raw tables: discover -> plan -> read (DuckDB or Python) -> parse -> load."""
