"""The HTTP API: SPARQL protocol, curated JSON-LD routes, linked data and pages."""
