"""Code the curated routes and the linked-data pages share: the published JSON-LD context,
framing triples into compact JSON-LD, content negotiation, languages and pagination."""
