"""Linkers: the observatory's actors and outputs joined to Wikidata, ROR and HAL.

Each linker is a plain function (`link_wikidata`, `link_ror`, `link_hal`) that reads the
store, asks the external service politely (`polite.py`), decides links and ambiguities
(`matching.py`), and replaces its links graph `{base}graph/links/{service}` with a PROV
record (`records.py`). Ambiguous candidates go to a review report (`review.py`), never
into the graph.
"""

from .hal import link_hal
from .ror import link_ror
from .wikidata import link_wikidata

__all__ = ["link_hal", "link_ror", "link_wikidata"]
