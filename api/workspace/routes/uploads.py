"""Upload a spreadsheet, follow its check, read its report and preview, publish or discard.

A script does the same with its API token and `Accept: application/json`.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response

from ingest.history import publish
from ingest.mapping_spec import bundled_mappings, mapping_text
from ingest.pipeline import IngestRejected
from ingest.report import distinct, write_annotated_workbook
from ingest.source_names import source_name
from ingest.sources import list_sources
from store.namespaces import DataIris
from store.rdf_files import BadInputError

from ..accounts import Account, Right
from ..jobs import Job, start_check
from ..pages import Translator, page_language, render
from ..state import Workspace
from ..web import PROTECTED, SignedIn, require, wants_json, workspace

router = APIRouter(dependencies=PROTECTED)
SPREADSHEETS = (".xlsx", ".ods", ".csv")
SHOWN_ERRORS = 500  # in the page; the annotated workbook has them all


def _file_name(given: str | None) -> str:
    """The uploaded file's own name, kept (the PROV record names it), made safe."""
    name = Path((given or "").replace("\\", "/")).name
    name = re.sub(r"[^\w.\- ]+", "_", name).strip(" .") or "upload"
    return name[:120]


def _may_publish(account: Account, ws: Workspace, source: str, restricted: bool) -> None:
    """The rights a publication of `source` needs: load (new) or replace (existing), and
    restrict for a restricted source or to change the flag."""
    current = list_sources(ws.store, DataIris(ws.settings.base_iri),
                           DataIris(ws.settings.base_iri).source_graph(source))
    require(account, Right.replace if current else Right.load, source)
    if restricted or (current and current[0].restricted):
        require(account, Right.restrict, source)


@router.post("/workspace/uploads")
async def upload(request: Request, account: SignedIn, file: UploadFile, source: str = Form(...),
                 mapping: str = Form(""), restricted: str = Form(""),
                 mapping_file: UploadFile | None = None) -> Response:
    ws = workspace(request)
    name = source_name(Path("x"), source)
    if not (account.may(Right.load, name) or account.may(Right.replace, name)):
        require(account, Right.load, name)
    filename = _file_name(file.filename)
    if Path(filename).suffix.lower() not in SPREADSHEETS:
        raise BadInputError(f"{filename}: upload an .xlsx, .ods or .csv file")
    if mapping and mapping not in bundled_mappings():
        raise BadInputError(f"unknown mapping {mapping!r}")
    job = ws.jobs.new(account.name, name, filename)
    job.restricted = restricted == "1"
    try:
        await run_in_threadpool(_save, file, job.file)
        if mapping_file is not None and mapping_file.filename:
            job.mapping = job.folder / ("mapping-" + _file_name(mapping_file.filename))
            job.mapping_label = mapping_file.filename
            await run_in_threadpool(_save, mapping_file, job.mapping)
        elif mapping:
            job.mapping = job.folder / f"mapping-{mapping}.yaml"
            job.mapping.write_text(mapping_text(mapping)[1], "utf-8")
            job.mapping_label = mapping
    except BaseException:
        ws.jobs.discard(job)
        raise
    store = ws.store
    snapshot = None
    if store.capabilities.checkpoints:
        def snapshot(path: Path) -> None:
            with ws.writing:  # not in the middle of a publication
                store.checkpoint(str(path))
    start_check(job, store, ws.settings, page_language(request), snapshot)
    if wants_json(request):
        return JSONResponse(_job_json(job, "en"), status_code=202)
    return RedirectResponse(f"/workspace/uploads/{job.id}", status_code=303)


def _save(upload: UploadFile, target: Path) -> None:
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)


def _job(request: Request, job_id: str, account: Account) -> Job:
    job = workspace(request).jobs.get(job_id)
    if job is None or (job.account != account.name and not account.admin):
        raise BadInputError("no such upload (discarded, or the server restarted)")
    return job


def _groups(job: Job) -> tuple[list[tuple[tuple[str, str | None], list[Any]]], int, int]:
    """The violations by sheet and column (in file order), the count shown and the total."""
    if job.check is None:
        return [], 0, 0
    found = distinct(job.check.violations)
    groups: dict[tuple[str, str | None], list[Any]] = defaultdict(list)
    for violation in found[:SHOWN_ERRORS]:
        groups[(violation.sheet, violation.column)].append(violation)
    return list(groups.items()), min(len(found), SHOWN_ERRORS), len(found)


def _job_json(job: Job, lang: str) -> dict[str, Any]:
    data: dict[str, Any] = {"id": job.id, "state": job.state, "source": job.source,
                            "file": job.file.name, "rows": job.progress_rows(),
                            "expected_rows": job.expected_rows,
                            "error": job.error or None}
    if job.check is not None:
        d = job.check.difference
        data["violations"] = [
            {"sheet": v.sheet, "row": v.row, "column": v.column, "value": v.value,
             "message": v.message(lang)} for v in distinct(job.check.violations)]
        data["difference"] = {"added": d.added, "changed": d.changed, "removed": d.removed,
                              "unchanged": d.unchanged}
    if job.published is not None:
        data["version"] = job.published.id
    return data


@router.get("/workspace/uploads/{job_id}")
def job_page(request: Request, account: SignedIn, job_id: str) -> Response:
    job = _job(request, job_id, account)
    lang = page_language(request)
    if wants_json(request):
        return JSONResponse(_job_json(job, lang))
    groups, shown, total = _groups(job)
    t = Translator(lang)
    return render(request, "job.html", title=t("ws.job_title", file=job.file.name),
                  account=account, job=job, groups=groups, shown=shown, error_count=total)


@router.get("/workspace/uploads/{job_id}/report.xlsx")
async def report(request: Request, account: SignedIn, job_id: str) -> Response:
    job = _job(request, job_id, account)
    if job.check is None or not job.check.violations:
        raise BadInputError("this upload has no errors to report")
    lang = page_language(request)
    target = job.folder / f"report-{lang}.xlsx"
    violations = [_in_job(v, job) for v in job.check.violations]
    await run_in_threadpool(write_annotated_workbook, target, violations, lang)
    return FileResponse(target, filename=f"{job.file.stem}.report-{lang}.xlsx")


def _in_job(violation: Any, job: Job) -> Any:
    """The violation naming the upload where the check process read it."""
    from dataclasses import replace

    return replace(violation, file=str(job.file))


@router.post("/workspace/uploads/{job_id}/publish")
def publish_upload(request: Request, account: SignedIn, job_id: str) -> Response:
    ws = workspace(request)
    job = _job(request, job_id, account)
    if job.state != "checked" or job.check is None or job.check.violations:
        raise BadInputError("only a checked file without errors can be published")
    _may_publish(account, ws, job.source, job.restricted)
    job.state = "publishing"
    lang = page_language(request)
    threading.Thread(target=_publish, args=(ws, job, account, lang), daemon=True,
                     name=f"tsr-publish-{job.id}").start()
    if wants_json(request):
        return JSONResponse(_job_json(job, lang), status_code=202)
    return RedirectResponse(f"/workspace/uploads/{job.id}", status_code=303)


def _publish(ws: Workspace, job: Job, account: Account, lang: str) -> None:
    try:
        with ws.writing:
            _, job.published = publish(ws.store, ws.settings, ws.history, job.source,
                                       job.file, account=account.name,
                                       restricted=job.restricted, mapping=job.mapping,
                                       lang=lang)
            ws.shown()  # the job says "published" once the public side shows it
        job.state = "published"
    except IngestRejected as rejected:
        job.rejected = [v for o in rejected.outcomes for v in o.violations]
        if job.check is not None:
            job.check.violations = job.rejected
        job.state = "rejected"
    except Exception as error:  # shown on the job's page; the store is unchanged
        job.error = str(error) or type(error).__name__
        job.state = "failed"


@router.post("/workspace/uploads/{job_id}/discard")
def discard(request: Request, account: SignedIn, job_id: str) -> Response:
    ws = workspace(request)
    job = _job(request, job_id, account)
    if job.state in ("checking", "publishing"):
        raise BadInputError("wait for the check or the publication to finish")
    ws.jobs.discard(job)
    if wants_json(request):
        return JSONResponse({"id": job.id, "state": "discarded"})
    return RedirectResponse("/workspace/", status_code=303)
