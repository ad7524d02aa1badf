"""What people run: the command line, the notebooks' helpers, the report runner."""
