"""Crafted workbooks and a full disk: one line, the right exit code, nothing written.

The hostile files are built here from a valid workbook: decompression bombs (refused from
the ZIP directory, before anything is unpacked), XML entity declarations (billion laughs,
an external entity), and calamine's own XML errors."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from store import Settings, open_store

from .conftest import BROKEN, EXAMPLES

VALID_XLSX = BROKEN / "valid.xlsx"
VALID_ODS = EXAMPLES / "tsr-example.ods"
SHEET = "xl/worksheets/sheet1.xml"
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "' + ("&lol;" if i == 0 else f"&lol{i - 1};") * 10 + '">'
                    for i in range(9)) + "]>")
EXTERNAL = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _rebuild(source: Path, target: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(
            target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            copy.writestr(info.filename, parts.get(info.filename, original.read(info.filename)))
    return target


def _sheet_body(source: Path = VALID_XLSX, member: str = SHEET) -> str:
    text = zipfile.ZipFile(source).read(member).decode()
    return text.split("?>", 1)[1] if text.startswith("<?xml") else text


def _with_cell(body: str, text: str) -> str:
    row = f'<row r="9"><c r="A9" t="inlineStr"><is><t>{text}</t></is></c></row>'
    return body.replace("</sheetData>", row + "</sheetData>")


def _tsr(*args: str, env: dict[str, str] | None = None,
         limit_file_size: int | None = None) -> subprocess.CompletedProcess[str]:
    def limited() -> None:
        if limit_file_size is not None:
            # a write past the limit then fails with EFBIG, as a full disk fails with ENOSPC
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    tsr = str(Path(sys.executable).with_name("tsr"))
    return subprocess.run([tsr, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})}, preexec_fn=limited)


def _one_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _hostile(tmp_path: Path, case: str) -> tuple[Path, dict[str, str], str]:
    """(file, environment, the expected message after the file name)."""
    body = _sheet_body()
    if case == "billion laughs":
        path = _rebuild(VALID_XLSX, tmp_path / "laughs.xlsx",
                        {SHEET: (LAUGHS + _with_cell(body, "&lol8;")).encode()})
        return path, {}, (f": part {SHEET} declares XML entities (<!DOCTYPE> or <!ENTITY>), "
                          "which spreadsheets never hold; the file was crafted or damaged")
    if case == "external entity":
        path = _rebuild(VALID_XLSX, tmp_path / "external.xlsx",
                        {SHEET: (EXTERNAL + _with_cell(body, "&xxe;")).encode()})
        return path, {}, (f": part {SHEET} declares XML entities (<!DOCTYPE> or <!ENTITY>), "
                          "which spreadsheets never hold; the file was crafted or damaged")
    if case == "entity in an ODS":
        content = _sheet_body(VALID_ODS, "content.xml")
        path = _rebuild(VALID_ODS, tmp_path / "laughs.ods",
                        {"content.xml": (LAUGHS + content).encode()})
        return path, {}, (": part content.xml declares XML entities (<!DOCTYPE> or "
                          "<!ENTITY>), which spreadsheets never hold; the file was crafted or "
                          "damaged")
    if case == "undeclared entity":
        path = _rebuild(VALID_XLSX, tmp_path / "undeclared.xlsx",
                        {SHEET: _with_cell(body, "&nowhere;").encode()})
        return path, {}, (", sheet 'Acteurs': cannot read the sheet (at 0..0: unrecognized "
                          "entity `&nowhere;`)")
    if case == "ratio bomb":
        padded = body.replace("<sheetData>", "<sheetData>" + " " * (4 << 20))
        path = _rebuild(VALID_XLSX, tmp_path / "ratio.xlsx", {SHEET: padded.encode()})
        return path, {}, (f": part {SHEET} unpacks * times its size (4 KiB to 4 MiB): "
                          "refused as a decompression bomb (at most 200 times, setting "
                          "max_workbook_ratio)")
    assert case == "size bomb"
    padded = body.replace("<sheetData>", "<sheetData>" + " " * (20 << 20))
    path = _rebuild(VALID_XLSX, tmp_path / "size.xlsx", {SHEET: padded.encode()})
    return path, {"TSR_MAX_WORKBOOK_BYTES": str(8 << 20), "TSR_MAX_WORKBOOK_RATIO": "100000"}, (
        ": the workbook unpacks to 20 MiB; at most 8 MiB are read (setting "
        "max_workbook_bytes)")


CASES = ["billion laughs", "external entity", "entity in an ODS", "undeclared entity",
         "ratio bomb", "size bomb"]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", ["ingest", "validate"])
def test_hostile_workbook_is_one_line_exit_2(tmp_path: Path, case: str, command: str) -> None:
    path, env, expected = _hostile(tmp_path, case)
    store = tmp_path / "store"
    args = ["ingest", str(path), "--store", str(store)] if command == "ingest" else [
        "validate", str(path)]
    line = _one_line(_tsr(*args, env=env), 2)
    # the compression ratio depends on zlib's version: `*` stands for it
    head, _, tail = f"tsr: error: {path}{expected}".partition("*")
    assert line.startswith(head) and line.endswith(tail), line
    if command == "ingest" and store.exists():
        with open_store(Settings(store=str(store))) as opened:
            assert opened.count() == 0


def test_ratio_of_a_real_workbook_is_far_below_the_limit() -> None:
    for source in (EXAMPLES / "tsr-example.xlsx", VALID_ODS):
        for part in zipfile.ZipFile(source).infolist():
            assert part.file_size <= 50 * max(part.compress_size, 1) or part.file_size < 1 << 20


def test_full_disk_during_ingest_is_one_line_exit_1_and_keeps_the_old_state(
        tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = _tsr("ingest", str(EXAMPLES / "tsr-example-acteurs.csv"), "--store", str(store))
    assert first.returncode == 0, first.stderr
    with open_store(Settings(store=str(store))) as opened:
        before = {str(quad) for quad in opened.oxigraph.quads_for_pattern(None, None, None)}  # type: ignore[attr-defined]
    failed = _tsr("ingest", str(EXAMPLES / "tsr-example.xlsx"), "--store", str(store),
                  limit_file_size=256 << 10)
    line = _one_line(failed, 1)
    assert line.startswith("tsr: error: a file grew past the size this process may write (")
    with open_store(Settings(store=str(store))) as opened:
        after = {str(quad) for quad in opened.oxigraph.quads_for_pattern(None, None, None)}  # type: ignore[attr-defined]
    assert after == before


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
