"""The SPARQL editor page (/query), rendered by a real headless Chromium against `tsr serve`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from api.portal.routes.query import editor_installed
from store.model import query_files

from ..servers import free_port, wait_for

TSR = str(Path(sys.executable).with_name("tsr"))
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "chromium is missing: .ci/run installs it (apt-get install chromium)"
    return found


def test_editor_renders_with_the_competency_queries_as_tabs(tmp_path: Path) -> None:
    assert editor_installed(), "the SPARQL editor's assets are missing: run `npm ci` in api/ui"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSR_")}
    server = subprocess.Popen([TSR, "serve", "--store", "memory", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/health", server)
        browser = subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
             "--virtual-time-budget=8000", "--dump-dom", f"http://127.0.0.1:{port}/query"],
            capture_output=True, text=True, timeout=120)
    finally:
        server.terminate()
        server.wait(timeout=20)
    dom = browser.stdout
    assert browser.returncode == 0, browser.stderr[-2000:]
    # YASGUI ran: it built its tab list and a CodeMirror editor inside the page
    assert 'class="tabsList"' in dom
    assert "CodeMirror" in dom
    for resource in query_files():
        if resource.name.startswith("cq"):
            assert resource.name.removesuffix(".rq") in dom, f"no tab for {resource.name}"
