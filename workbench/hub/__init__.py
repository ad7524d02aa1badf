"""Copies of the marts beyond this machine: a team hub on PostgreSQL, a Parquet lake."""
