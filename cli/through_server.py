"""`tsr ingest --server URL --token TOKEN`: a load sent through a running server.

While `tsr serve` holds an on-disk store, no other process may write to it (RocksDB's lock),
and a coordinator's script may not even run on that machine. The server's workspace takes
the same work from an account's API token (api/workspace/routes/uploads.py): the file is
uploaded, checked in the background, then published, which replaces the source atomically
as a local `tsr ingest` does and names the account in its PROV record. This module is that
script: it prints what a local ingest prints (the errors, one line each, or what was loaded)
and exits as it does (2 when the file has errors).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click
import httpx

# how often the job is asked about, and for how long a check or a publication may take
POLL_SECONDS = 0.3
WAIT_SECONDS = 3600.0


class ServerError(click.ClickException):
    """One line about what the server refused or could not do; exit code 1."""


def ingest_through_server(server: str, token: str, path: Path, source: str,
                          mapping: Path | None, restricted: bool, dry_run: bool,
                          lang: str) -> None:
    base = server.rstrip("/")
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json",
               "Accept-Language": lang}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        job = _upload(client, base, path, source, mapping, restricted)
        state = _wait(client, job, "checking")
        if state["state"] != "checked":
            raise ServerError(f"{path}: the check failed on {base}: {state.get('error')}")
        if state.get("violations"):
            _print_violations(path, state["violations"])
            sys.exit(2)
        if dry_run:
            click.echo(f"{path}: valid (dry run, checked by {base}; nothing published)")
            _discard(client, job)
            return
        sent = client.post(f"{job}/publish")
        if sent.status_code != 202:
            raise ServerError(f"{path}: {base} refused to publish: {_detail(sent)}")
        state = _wait(client, job, "publishing")
    if state["state"] == "rejected":
        _print_violations(path, state.get("violations") or [])
        sys.exit(2)
    if state["state"] != "published":
        raise ServerError(f"{path}: publishing on {base} failed: {state.get('error')}")
    change = state.get("difference") or {}
    click.echo(f"{path}: published as source {source!r} through {base} (version "
               f"{state.get('version')}: {change.get('added', 0)} entities added, "
               f"{change.get('changed', 0)} changed, {change.get('removed', 0)} removed)")


def _upload(client: httpx.Client, base: str, path: Path, source: str,
            mapping: Path | None, restricted: bool) -> str:
    data = {"source": source, "restricted": "1" if restricted else ""}
    files: dict[str, Any] = {"file": (path.name, path.read_bytes())}
    if mapping is not None:
        if mapping.is_file():
            files["mapping_file"] = (mapping.name, mapping.read_bytes())
        else:  # a bundled mapping's name (`cordis`, `ror`): the server has its own copy
            data["mapping"] = str(mapping)
    try:
        sent = client.post("/workspace/uploads", data=data, files=files)
    except httpx.HTTPError as error:
        raise ServerError(f"{base}: no answer ({error})") from None
    if sent.status_code != 202:
        raise ServerError(f"{path}: {base} refused the upload: {_detail(sent)}")
    return f"/workspace/uploads/{sent.json()['id']}"


def _wait(client: httpx.Client, job: str, while_state: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        state: dict[str, Any] = client.get(job).json()
        if state["state"] != while_state or time.monotonic() > deadline:
            return state
        time.sleep(POLL_SECONDS)


def _discard(client: httpx.Client, job: str) -> None:
    client.post(f"{job}/discard")


def _print_violations(path: Path, violations: list[dict[str, Any]]) -> None:
    for v in violations:
        where = ", ".join(str(part) for part in (v.get("sheet"), v.get("row") and
                                                 f"row {v['row']}", v.get("column")) if part)
        value = f" ({v['value']!r})" if v.get("value") not in (None, "") else ""
        click.echo(f"{path}: {where}{value}: {v.get('message')}", err=True)
    click.echo(f"{path}: {len(violations)} error{'s' if len(violations) != 1 else ''}; "
               "nothing was published", err=True)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    detail = body.get("detail") if isinstance(body, dict) else None
    return f"HTTP {response.status_code}: {detail}" if detail else f"HTTP {response.status_code}"
