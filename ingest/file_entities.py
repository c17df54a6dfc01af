"""What a file's rows say about its entities, for checks and references that need earlier
(or later) rows: where each entity came from, its types, the keys a reference cell can name
it by.

Small files keep all of it in dicts. Past `SPILL_AFTER` entities it moves to a temporary
SQLite file and only the last rows stay in memory, so a million-row file costs disk, not
RAM (Python objects for this took 3.5 KiB a row).

>>> entities = FileEntities()
>>> entities.add("https://ex.org/a", "Acteurs", 2, ["https://ex.org/Actor"])
>>> entities.add("https://ex.org/a", "Acteurs", 3, ["https://ex.org/NGO"])
('Acteurs', 2)
>>> sorted(entities.types("https://ex.org/a"))
['https://ex.org/Actor', 'https://ex.org/NGO']
>>> entities.close()
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable
from itertools import chain
from pathlib import Path
from typing import Final

# Entities (or keys) held in memory before they go to disk; also the size of a write batch.
SPILL_AFTER = 50_000
# SQLite's page cache: a fixed amount, whatever the file's size.
_CACHE_KIB = 32 * 1024
# Bits of the filter that says which IRIs and keys may be on disk (16 MiB, made at the first
# spill): most rows describe a new entity, and a look-up on disk per row cost more than the
# rest of its checks. Two bits an item: about one false "maybe" in 5,000 at a million items.
_FILTER_BITS = 1 << 27
_FILTER_MASK = _FILTER_BITS - 1


class _Missing:
    pass


MISSING: Final = _Missing()
"""`key()` of a key no row registered (None means two entities share it)."""

_Where = tuple[int, int, int]  # sheet number, row, type-set number


class FileEntities:
    """Entities of one source file, by IRI; keys by (IRI type, key)."""

    def __init__(self, spill_after: int | None = None) -> None:
        self._spill_after = spill_after or SPILL_AFTER
        self._entities: dict[str, _Where] = {}
        self._keys: dict[tuple[str, str], str | None] = {}
        # sheet names and type sets repeat on every row: rows hold their numbers
        self._sheets: list[str] = []
        self._sheet_numbers: dict[str, int] = {}
        self._type_sets: list[frozenset[str]] = []
        self._type_set_numbers: dict[frozenset[str], int] = {}
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._db: sqlite3.Connection | None = None
        self._on_disk: bytearray | None = None

    # -- entities --------------------------------------------------------------------------
    def add(self, iri: str, sheet: str, row: int,
            types: Iterable[str] = ()) -> tuple[str, int] | None:
        """Record that `row` of `sheet` describes `iri`; returns where it was seen before."""
        previous = self._where(iri)
        type_set = frozenset(types)
        if previous is not None:
            type_set |= self._type_sets[previous[2]]
        self._entities[iri] = (self._number(sheet), row, self._type_set_number(type_set))
        if len(self._entities) >= self._spill_after:
            self._spill()
        if previous is None:
            return None
        return self._sheets[previous[0]], previous[1]

    def where(self, iri: str) -> tuple[str, int] | None:
        """(sheet, row) of the last row that described `iri`, or None."""
        found = self._where(iri)
        return None if found is None else (self._sheets[found[0]], found[1])

    def types(self, iri: str) -> set[str] | None:
        """Types of `iri` from every row that described it; None if no row did."""
        found = self._where(iri)
        return None if found is None else set(self._type_sets[found[2]])

    def _where(self, iri: str) -> _Where | None:
        found = self._entities.get(iri)
        if found is None and self._db is not None and self._maybe_on_disk(iri):
            row = self._db.execute("SELECT sheet, row, types FROM entity WHERE iri = ?",
                                   (iri,)).fetchone()
            found = None if row is None else (row[0], row[1], row[2])
        return found

    def _number(self, sheet: str) -> int:
        number = self._sheet_numbers.get(sheet)
        if number is None:
            number = self._sheet_numbers[sheet] = len(self._sheets)
            self._sheets.append(sheet)
        return number

    def _type_set_number(self, types: frozenset[str]) -> int:
        number = self._type_set_numbers.get(types)
        if number is None:
            number = self._type_set_numbers[types] = len(self._type_sets)
            self._type_sets.append(types)
        return number

    # -- keys ------------------------------------------------------------------------------
    def add_key(self, kind: str, key: str, iri: str) -> None:
        """`key` names `iri` among entities of `kind`; a key naming two entities names none.

        Every row registers a few keys and few rows look one up: the keys in memory are
        merged with those on disk when they are written (`_spill`), or looked up (`key`).
        """
        if self._keys.setdefault((kind, key), iri) != iri:
            self._keys[(kind, key)] = None
        if len(self._keys) >= self._spill_after:
            self._spill()

    def key(self, kind: str, key: str) -> str | None | _Missing:
        found = self._keys.get((kind, key), MISSING)
        if self._db is not None and self._maybe_on_disk((kind, key)):
            row = self._db.execute("SELECT iri FROM key WHERE kind = ? AND key = ?",
                                   (kind, key)).fetchone()
            if row is not None:
                found = row[0] if found is MISSING or found == row[0] else None
        return found

    # -- disk ------------------------------------------------------------------------------
    def _spill(self) -> None:
        db = self._db or self._open()
        on_disk = self._on_disk
        if on_disk is None:
            on_disk = self._on_disk = bytearray(_FILTER_BITS // 8)
        for item in chain(self._entities, self._keys):
            code = hash(item)
            for bit in (code & _FILTER_MASK, (code >> 27) & _FILTER_MASK):
                on_disk[bit >> 3] |= 1 << (bit & 7)
        with db:
            db.executemany("INSERT OR REPLACE INTO entity VALUES (?, ?, ?, ?)",
                           ((iri, *where) for iri, where in self._entities.items()))
            db.executemany("INSERT INTO key VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET iri = "
                           "NULL WHERE iri IS NOT excluded.iri",
                           ((kind, key, iri) for (kind, key), iri in self._keys.items()))
        self._entities.clear()
        self._keys.clear()

    def _maybe_on_disk(self, item: str | tuple[str, str]) -> bool:
        """False when `item` was never written to disk; True when it may have been."""
        assert self._on_disk is not None
        code = hash(item)
        low, high = code & _FILTER_MASK, (code >> 27) & _FILTER_MASK
        return bool(self._on_disk[low >> 3] & (1 << (low & 7))
                    and self._on_disk[high >> 3] & (1 << (high & 7)))

    def _open(self) -> sqlite3.Connection:
        self._folder = tempfile.TemporaryDirectory(prefix="tsr-ingest-")
        db = sqlite3.connect(Path(self._folder.name) / "entities.sqlite")
        # a scratch file: nothing to recover after a crash, so no journal and no syncs
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        db.execute("CREATE TABLE entity (iri TEXT PRIMARY KEY, sheet INTEGER, row INTEGER, "
                   "types INTEGER) WITHOUT ROWID")
        db.execute("CREATE TABLE key (kind TEXT, key TEXT, iri TEXT, PRIMARY KEY (kind, key)) "
                   "WITHOUT ROWID")
        self._db = db
        return db

    def close(self) -> None:
        """Forget everything and remove the temporary file."""
        self._entities.clear()
        self._keys.clear()
        self._on_disk = None
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
