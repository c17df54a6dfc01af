"""Comparing organisation names: normalised form, similarity scores, tokens for blocking.

Used by the ROR linker (name + country) and by the reconciliation service. The string
distances are rapidfuzz's (Indel ratio, token sort ratio).

>>> normalise("  L'Atelier  des Sols-Vivants ")
'l atelier des sols vivants'
>>> similarity("Association Vauban", "association vauban")
1.0
>>> name_score("Université de Lyon", "Université de Valombre") < 50 <= name_score(
...     "Universite de Valombr", "Université de Valombre")
True
"""

from __future__ import annotations

from rapidfuzz import fuzz

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
    return fuzz.ratio(a, b) / 100


def name_score(query: str, name: str) -> float:
    """0..100: how well `query` names `name`, the words that tell names apart weighing most.

    The whole strings are compared, and so are their words other than the common ones
    ("université", "de", "association"...), in any order: two names that share only their
    common words ("Université de Lyon", "Université de Valombre": 80 on the whole strings)
    score low (45); a typo or a missing accent or article costs a few points.
    """
    a, b = normalise(query), normalise(name)
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    whole = fuzz.ratio(a, b)
    core_a, core_b = _core(a), _core(b)
    if not core_a or not core_b:
        return whole
    return 0.25 * whole + 0.75 * fuzz.token_sort_ratio(core_a, core_b)


def _core(normalised: str) -> str:
    return " ".join(word for word in normalised.split() if word not in COMMON_WORDS)


def distinctive_tokens(name: str) -> set[str]:
    """Tokens worth indexing a name by: long enough and not common words."""
    return {token for token in normalise(name).split()
            if len(token) >= 4 and token not in COMMON_WORDS}
