"""The check of one upload, in a process of its own: `python -m api.workspace.check_process
JOB_FOLDER` (started by jobs.py).

It reads `job.json`, opens the store checkpoint read-only (or the remote store), runs
`ingest.preview.check_file`, writes the rows read so far to `progress.txt` as it goes and
the result to `result.json`. A bad file is an answer (its violations), not a failure; a
file that cannot be read at all is written to `failed.txt` as one line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from ingest.preview import check_file
from store import Settings, open_store
from store.embedded import EmbeddedStore
from store.rdf_files import BadInputError

PROGRESS_SECONDS = 0.5


def main(folder: Path) -> int:
    # the readers of the server come first: the check takes what CPU is left
    os.nice(10)
    spec = json.loads((folder / "job.json").read_text("utf-8"))
    settings = Settings(**spec["settings"])
    store = (EmbeddedStore.read_only(spec["checkpoint"]) if spec.get("checkpoint")
             else open_store(settings))
    rows = 0
    shown = 0.0

    def progress(count: int) -> None:
        nonlocal rows, shown
        rows += count
        now = time.monotonic()
        if now - shown > PROGRESS_SECONDS:
            shown = now
            partial = folder / "progress.txt.part"
            partial.write_text(str(rows))
            partial.replace(folder / "progress.txt")

    try:
        check = check_file(store, Path(spec["file"]), settings, spec["source"],
                           mapping=Path(spec["mapping"]) if spec["mapping"] else None,
                           lang=spec["lang"], progress=progress)
    except (BadInputError, ValueError) as error:
        (folder / "failed.txt").write_text(str(error), "utf-8")
        return 0
    finally:
        if not spec.get("checkpoint"):  # a read-only checkpoint is dropped, not flushed
            store.close()
    partial = folder / "result.json.part"
    partial.write_text(json.dumps(check.to_json(), ensure_ascii=False), "utf-8")
    partial.replace(folder / "result.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
