"""e. Hostile files through `tsr ingest`: one line, exit 2, bounded time and memory."""

from __future__ import annotations

import os
import subprocess
import time
import zipfile
from pathlib import Path
from typing import Any

from .harness import EXAMPLE, TSR, Case, Listener


def _replace_in_zip(source: Path, target: Path, replacements: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(
            target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in original.infolist():
            out.writestr(item, replacements.get(item.filename, original.read(item.filename)))
    return target


ACTORS_SHEET = "xl/worksheets/sheet2.xml"  # the example's "Acteurs" sheet (inline strings)
LAUGHS = ('<!DOCTYPE worksheet [<!ENTITY a "lol">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>")


def _actors_sheet(doctype: str, first_name: str) -> bytes:
    """The example's Acteurs sheet with `doctype` before it and the first actor's name
    replaced by `first_name` (an entity reference)."""
    with zipfile.ZipFile(EXAMPLE) as book:
        xml = book.read(ACTORS_SHEET).decode()
    cell = xml.index('<c r="A2"')
    start = xml.index("<t>", cell) + 3
    end = xml.index("</t>", start)
    return (doctype + xml[:start] + first_name + xml[end:]).encode()


def _bomb_sheet(writer: Any, megabytes: int) -> None:
    """The Acteurs sheet's header, then `megabytes` MB of rows of one repeated cell."""
    with zipfile.ZipFile(EXAMPLE) as book:
        xml = book.read(ACTORS_SHEET).decode()
    header_end = xml.index("</row>") + len("</row>")
    writer.write(xml[:header_end].encode())
    block = b'<row><c t="inlineStr"><is><t>Association</t></is></c></row>'
    chunk = block * (1_048_576 // len(block))
    for _ in range(megabytes):
        writer.write(chunk)
    writer.write(b"</sheetData></worksheet>")


def hostile_files(folder: Path, listener: Listener, quick: bool) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    external = '<!DOCTYPE worksheet [<!ENTITY e SYSTEM "{}">]>'
    files = {
        "XLSX, entity bomb (billion laughs)": _replace_in_zip(
            EXAMPLE, folder / "laughs.xlsx", {ACTORS_SHEET: _actors_sheet(LAUGHS, "&j;")}),
        "XLSX, external entity (file)": _replace_in_zip(
            EXAMPLE, folder / "xxe-file.xlsx",
            {ACTORS_SHEET: _actors_sheet(external.format("file:///etc/passwd"), "&e;")}),
        "XLSX, external entity (http, the listener)": _replace_in_zip(
            EXAMPLE, folder / "xxe-http.xlsx", {ACTORS_SHEET: _actors_sheet(
                external.format(f"http://127.0.0.1:{listener.port}/x"), "&e;")}),
    }
    size_mb = 100 if quick else 400
    bomb = folder / "unpacks-big.xlsx"
    with zipfile.ZipFile(EXAMPLE) as original, zipfile.ZipFile(
            bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in original.infolist():
            if item.filename != ACTORS_SHEET:
                out.writestr(item, original.read(item.filename))
                continue
            with out.open(ACTORS_SHEET, "w") as writer:
                _bomb_sheet(writer, size_mb)
    files[f"XLSX of {bomb.stat().st_size // 1024} KB that unpacks to {size_mb} MB"] = bomb
    ods = folder / "laughs.ods"
    with zipfile.ZipFile(ods, "w") as out:
        out.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        out.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest '
                     'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                     '<manifest:file-entry manifest:full-path="/" manifest:media-type="application'
                     '/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-'
                     'path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
        out.writestr("content.xml", LAUGHS.replace("worksheet", "office:document-content")
                     + '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:'
                     'xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:'
                     'table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
                     '<office:body><office:spreadsheet><table:table table:name="Acteurs">'
                     "<table:table-row><table:table-cell><text:p>Nom</text:p></table:table-cell>"
                     "</table:table-row><table:table-row><table:table-cell><text:p>&j;</text:p>"
                     "</table:table-cell></table:table-row></table:table></office:spreadsheet>"
                     "</office:body></office:document-content>")
    files["ODS, entity bomb"] = ods
    garbage = folder / "not-a-zip.xlsx"
    garbage.write_bytes(os.urandom(4096))
    files["XLSX that is not a zip"] = garbage
    big_cell = folder / "big-cell.csv"
    big_cell.write_text("Nom;Type d'acteur\n" + "A" * 20_000_000 + ";Association\n",
                        encoding="utf-8")
    files["CSV with a 20 MB cell"] = big_cell
    return files


def category_e(work: Path, listener: Listener, quick: bool) -> list[Case]:
    cases = []
    store = work / "files-store"
    for name, path in hostile_files(work / "files", listener, quick).items():
        before = listener.count
        started = time.perf_counter()
        code, peak, out, err = run_measured([TSR, "ingest", str(path), "--store", str(store)],
                                            work / "ingest-output", timeout=120)
        seconds = time.perf_counter() - started
        text = err.decode(errors="replace").strip()
        lines = [line for line in text.splitlines() if line.strip()]
        connections = listener.count - before
        problems = []
        if seconds >= 120:
            problems.append("still running after 120 s")
        if "Traceback" in text:
            problems.append(f"a traceback of {len(lines)} lines")
        if code != 2:
            problems.append(f"exit code {code}")
        if connections:
            problems.append(f"{connections} connection(s) to the listener")
        if peak > 2**30:
            problems.append(f"peak memory {peak // 2**20} MB")
        if b"root:" in out + err:
            problems.append("/etc/passwd in the output")
        cases.append(Case("e", name, not problems, "; ".join(problems) or
                          f"exit 2 in {seconds:.1f} s: {lines[-1][:120] if lines else ''}",
                          {"exit": code, "seconds": round(seconds, 1), "stderr_lines": len(lines),
                           "peak_mb": peak // 2**20}))
    return cases


def run_measured(command: list[str], folder: Path, timeout: float,
                 ) -> tuple[int, int, bytes, bytes]:
    """Exit code, peak resident size (bytes), stdout and stderr of `command`; killed after
    `timeout` seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    out_path, err_path = folder / "out", folder / "err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
            time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    return (process.returncode, usage.ru_maxrss * 1024, out_path.read_bytes(),
            err_path.read_bytes())
