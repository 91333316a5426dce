"""A plain check or run command line, read without importing typer (see parse.py)."""
