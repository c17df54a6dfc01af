"""The review report: every candidate link a linker refused to guess, for a person to decide.

One CSV row per problem, with the actor (or output), the external candidates, the rule
that found them and why no link was written. The CSV opens in LibreOffice as it is.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Why a candidate went to review instead of becoming a link.
SEVERAL_EXTERNAL = "identifier matches several external entities"
SEVERAL_LOCAL = "several actors match one external entity"
BELOW_THRESHOLD = "name match below the threshold"

COLUMNS = ("service", "subject", "subject_label", "identifier", "candidates", "rule",
           "score", "reason")


@dataclass(frozen=True)
class ReviewItem:
    service: str
    subject: str
    subject_label: str
    identifier: str
    candidates: tuple[str, ...]
    rule: str
    reason: str
    score: float | None = None

    def row(self) -> dict[str, str]:
        return {
            "service": self.service, "subject": self.subject,
            "subject_label": self.subject_label, "identifier": self.identifier,
            "candidates": " ".join(self.candidates), "rule": self.rule,
            "score": "" if self.score is None else f"{self.score:.2f}", "reason": self.reason,
        }


def write_review(path: Path, items: Iterable[ReviewItem]) -> int:
    """Write the report (header only when there is nothing to review); returns the row count."""
    count = 0
    partial = path.with_name(path.name + ".part")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for item in sorted(items, key=lambda i: (i.subject, i.identifier, i.candidates)):
            writer.writerow(item.row())
            count += 1
    partial.replace(path)
    return count
