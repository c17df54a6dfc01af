"""The published versions of each source: its last N files, to restore one in one step.

Each publication through the workspace keeps the file it loaded (and the mapping it was
read with) in `{folder}/{slug(source)}/{version}/`, with a `version.json` naming the load's
PROV activity, so the store's provenance graph tells who loaded it and what it held. Older
versions than the last `keep` are removed. Restoring a version is `ingest_files` on its
file, exactly as the first publication was: the restore is itself a publication, with its
own PROV record, and becomes the newest version.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from pyoxigraph import NamedNode

from store.base import Store
from store.namespaces import PROV, DataIris, slug
from store.rdf_files import BadInputError
from store.settings import Settings

from .load import sha256_of
from .pipeline import FileOutcome, IngestOptions, ingest_files

_META = "version.json"


@dataclass
class Version:
    id: str
    source: str
    file: str  # the file's name as published
    sha256: str
    published_at: str
    account: str
    restricted: bool
    mapping: str = ""  # the mapping's file name in the version folder, or empty
    load: str = ""  # the PROV activity of the load
    restored_from: str = ""  # the version this one restored
    folder: str = ""

    @property
    def path(self) -> Path:
        return Path(self.folder) / self.file

    @property
    def mapping_path(self) -> Path | None:
        return Path(self.folder) / self.mapping if self.mapping else None


class History:
    def __init__(self, folder: Path, keep: int) -> None:
        self.folder = folder
        self.keep = keep
        self._lock = threading.Lock()

    def _source_folder(self, source: str) -> Path:
        return self.folder / slug(source)

    def record(self, source: str, file: Path, *, account: str, restricted: bool,
               mapping: Path | None = None, load: str = "", restored_from: str = "",
               ) -> Version:
        """Keep `file` (and its mapping) as the newest version of `source`."""
        stamp = dt.datetime.now(dt.UTC)
        sha = sha256_of(file)
        with self._lock:
            base = self._source_folder(source)
            version_id = stamp.strftime("%Y%m%dT%H%M%S%fZ")
            target = base / version_id
            target.mkdir(parents=True, exist_ok=False)
            shutil.copy2(file, target / file.name)
            mapping_name = ""
            if mapping is not None:
                mapping_name = "mapping-" + mapping.name
                shutil.copy2(mapping, target / mapping_name)
            version = Version(version_id, source, file.name, sha,
                              stamp.strftime("%Y-%m-%d %H:%M:%S UTC"), account, restricted,
                              mapping_name, load, restored_from)
            meta = {k: v for k, v in asdict(version).items() if k != "folder"}
            partial = target / (_META + ".part")
            partial.write_text(json.dumps(meta, indent=2, ensure_ascii=False), "utf-8")
            partial.replace(target / _META)  # a version without its note is not listed
            for old in self._folders(source)[self.keep:]:
                shutil.rmtree(old, ignore_errors=True)
        version.folder = str(target)
        return version

    def _folders(self, source: str) -> list[Path]:
        base = self._source_folder(source)
        if not base.is_dir():
            return []
        return sorted((p for p in base.iterdir() if (p / _META).is_file()), reverse=True)

    def versions(self, source: str) -> list[Version]:
        """The kept versions of `source`, newest first."""
        found = []
        for folder in self._folders(source):
            meta = json.loads((folder / _META).read_text("utf-8"))
            if meta.get("source") != source:  # two names with one slug: not this one's
                continue
            found.append(Version(**meta, folder=str(folder)))
        return found

    def get(self, source: str, version_id: str) -> Version:
        for version in self.versions(source):
            if version.id == version_id:
                return version
        raise BadInputError(f"source {source!r} has no kept version {version_id!r}")


def current_load(store: Store, iris: DataIris, graph: NamedNode) -> str:
    """The PROV activity whose triples `graph` holds now (empty when none)."""
    rows = list(store.query(
        f"SELECT ?load WHERE {{ GRAPH ?log {{ {graph} <{PROV}wasGeneratedBy> ?load }} }} "
        "LIMIT 1", default_graph=[]))
    return rows[0]["load"].value if rows else ""


def publish(store: Store, settings: Settings, history: History, source: str, file: Path, *,
            account: str, restricted: bool, mapping: Path | None = None, lang: str = "fr",
            restored_from: str = "") -> tuple[FileOutcome, Version]:
    """Load `file` as the source `source` (what `tsr ingest --source` does: validated,
    replaced atomically, with a PROV record naming `account`), then keep it as a version.
    Raises IngestRejected (nothing written, nothing kept) when the file breaks the shapes."""
    options = IngestOptions(lang=lang, mapping=mapping, restricted=restricted, source=source,
                            agent=account)
    [outcome] = ingest_files(store, [file], settings, options)
    load = current_load(store, DataIris(settings.base_iri), outcome.graph)
    version = history.record(source, file, account=account, restricted=restricted,
                             mapping=mapping, load=load, restored_from=restored_from)
    return outcome, version


def restore(store: Store, settings: Settings, history: History, source: str, version_id: str,
            *, account: str, lang: str = "fr") -> tuple[FileOutcome, Version]:
    """Publish a kept version of `source` again (one step: its file replaces the source)."""
    version = history.get(source, version_id)
    return publish(store, settings, history, source, version.path, account=account,
                   restricted=version.restricted, mapping=version.mapping_path, lang=lang,
                   restored_from=version.id)
