"""The `tsr` command line: thin commands that call plain functions of store/, ingest/, api/."""
