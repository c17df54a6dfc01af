"""The SPARQL 1.1 Protocol machinery behind `/sparql` and `/store`.

`text` reads what the server must know from a query before running it (operation, dataset
clauses, SERVICE targets); `negotiation` picks the media type; `dataset` decides which
graphs a request reads; `writers` turn results into bytes row by row; `execution` runs a
query in a worker thread with a deadline and streams what it writes.
"""
