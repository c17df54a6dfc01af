"""Comparing organisation names: normalised form, similarity score, tokens for blocking.

Used by the ROR linker (name + country) and by the reconciliation service.

>>> normalise("  L'Atelier  des Sols-Vivants ")
'l atelier des sols vivants'
>>> similarity("Association Vauban", "association vauban")
1.0
"""

from __future__ import annotations

from difflib import SequenceMatcher

from ..namespaces import slug

# Words too common in organisation names to say two names are alike.
_COMMON = (
    "association associations des de du la le les et l d en pour sur au aux un une "
    "the of and for in france francais francaise national nationale centre center "
    "institut institute laboratoire laboratory recherche research societe society "
    "fondation foundation universite university group groupe"
)
COMMON_WORDS = frozenset(_COMMON.split())


def normalise(name: str) -> str:
    return slug(name).replace("-", " ")


def similarity(left: str, right: str) -> float:
    """0..1; 1.0 when the normalised names are equal."""
    a, b = normalise(left), normalise(right)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def distinctive_tokens(name: str) -> set[str]:
    """Tokens worth indexing a name by: long enough and not common words."""
    return {token for token in normalise(name).split()
            if len(token) >= 4 and token not in COMMON_WORDS}
