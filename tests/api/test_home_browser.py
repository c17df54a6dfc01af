"""The SPARQL editor page (/query), rendered by a real headless Chromium against `tsr serve`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.portal.routes.query import editor_installed

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


def test_editor_renders_with_the_chosen_example_bound(tmp_path: Path) -> None:
    assert editor_installed(), "the SPARQL editor's assets are missing: run `npm ci` in api/ui"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSR_")}
    server = subprocess.Popen([TSR, "serve", "--store", "memory", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/health", server)
        browser = subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
             "--virtual-time-budget=8000", "--dump-dom", f"http://127.0.0.1:{port}/query?example=cq04-jobs-by-year"],
            capture_output=True, text=True, timeout=120)
    finally:
        server.terminate()
        server.wait(timeout=20)
    dom = browser.stdout
    assert browser.returncode == 0, browser.stderr[-2000:]
    # YASGUI ran: it built a CodeMirror editor holding the example, its parameters bound
    assert "CodeMirror" in dom
    editor = dom[dom.index('id="yasgui"'):]
    assert "VALUES" in editor and "2022" in editor and "_from_year" in editor


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
