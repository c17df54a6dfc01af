"""The README's "Running on Virtuoso" commands, run as written: an empty Virtuoso, its
grants, `tsr ingest` and `tsr serve` on it; then the portal and /sparql answer, and the
example's actors are there. Only the ports and the directory are changed (free ones)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from ..servers import free_port, stop, virtuoso_binaries, wait_for

REPO = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```sh virtuoso\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def readme_commands() -> str:
    found = BLOCK.findall((REPO / "README.md").read_text(encoding="utf-8"))
    assert len(found) == 1, "the README has one `sh virtuoso` block"
    return str(found[0])


@pytest.mark.slow
def test_the_readme_commands_serve_the_portal_from_virtuoso(tmp_path: Path) -> None:
    virtuoso_binaries()  # a clear message if Virtuoso is not installed
    script = readme_commands()
    assert script.rstrip().endswith("tsr serve --port 8000")
    sql, http, api = free_port(), free_port(), free_port()
    folder = tmp_path / "tsr-virtuoso"
    script = (script.replace("/srv/tsr-virtuoso", str(folder))
              .replace("127.0.0.1:1111", f"127.0.0.1:{sql}")
              .replace("127.0.0.1:8890", f"127.0.0.1:{http}")
              .replace("--port 8000", f"--port {api}"))
    # `tsr serve`, the last command, replaces the shell: stopping it stops the server
    script = script.rstrip().removesuffix(f"tsr serve --port {api}") + f"exec tsr serve --port {api}\n"
    bin_dir = str(Path(sys.executable).parent)
    env = {key: value for key, value in os.environ.items() if not key.startswith("TSR_")}
    env["PATH"] = f"{bin_dir}:{env.get('PATH', '')}"
    shell = subprocess.Popen(["bash", "-e", "-c", script], cwd=REPO, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{api}"
    try:
        try:
            wait_for(f"{base}/health", shell, seconds=300)
        except RuntimeError:
            assert shell.stdout is not None
            shell.kill()
            pytest.fail(f"the README's commands failed: {shell.stdout.read()[-3000:]}")
        home = httpx.get(f"{base}/", timeout=30)
        assert home.status_code == 200, home.text[-2000:]
        assert "<html" in home.text.lower()
        count = httpx.get(f"{base}/sparql", timeout=60, headers={"Accept": "application/sparql-results+json"},
                          params={"query": "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { "
                                  "?a a <https://w3id.org/tsr-observatory/ontology#Actor> }"})
        assert count.status_code == 200, count.text
        assert int(count.json()["results"]["bindings"][0]["n"]["value"]) == 60
        actors = httpx.get(f"{base}/api/actors", timeout=60, headers={"Accept": "application/json"})
        assert actors.status_code == 200, actors.text
        assert actors.json()["items"]
    finally:
        stop(shell)
        assert shell.stdout is not None
        shell.stdout.close()
        lock = folder / "virtuoso.lck"
        if lock.exists():  # the daemon the commands started
            pid = re.search(r"VIRT_PID=(\d+)", lock.read_text())
            if pid:
                os.kill(int(pid.group(1)), signal.SIGTERM)
