"""Matching names and identifiers against the observatory's actors: the scoring behind the
API's reconciliation service (`/reconcile`, scoring.py) and the name comparison the linkers
share with it (names.py). Here, below both `api/` and `ingest/`, so that the API does not
reach into the linkers (ingest/link/), which call outside services."""
