"""One writer per embedded store: a second `tsr` process gets one clear line, exit code 1."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from ..servers import free_port, remote_env, wait_for
from .conftest import tsr_command


def test_second_process_is_told_who_owns_the_store(tmp_path: Path) -> None:
    store_dir = tmp_path / "db"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSR_")}
    server = subprocess.Popen(
        [*tsr_command(), "serve", "--store", str(store_dir), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/health", server)
        assert httpx.get(f"http://127.0.0.1:{port}/health").json()["status"] == "ok"
        sample = tmp_path / "a.ttl"
        sample.write_text("<http://ex/a> <http://ex/p> 1 .", encoding="utf-8")
        second = subprocess.run(
            [*tsr_command(), "load", str(sample), "--store", str(store_dir)],
            env=env, capture_output=True, text=True, timeout=60,
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
        assert server.stderr is not None
        server.stderr.close()
    assert second.returncode == 1
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1, second.stderr
    assert lines[0] == (
        f"tsr: error: store {store_dir} is already open for writing by another tsr process "
        f"(pid {server.pid}: tsr serve --store {store_dir} --port {port}); stop that process, "
        "or send your request through its server (tsr serve)"
    )


def test_store_is_usable_again_once_the_owner_stopped(tmp_path: Path) -> None:
    store_dir = tmp_path / "db"
    store_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSR_")}
    first = subprocess.run([*tsr_command(), "info", "--store", str(store_dir)], env=env,
                           capture_output=True, text=True, timeout=60)
    second = subprocess.run([*tsr_command(), "info", "--store", str(store_dir)], env=env,
                            capture_output=True, text=True, timeout=60)
    assert first.returncode == 0 and second.returncode == 0, second.stderr


def test_unreachable_remote_store_is_one_line_exit_1(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSR_")}
    env.update(remote_env(dead))
    result = subprocess.run([*tsr_command(), "info"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr == (f"tsr: error: cannot reach remote store at {dead}/query: "
                             "[Errno 111] Connection refused\n")


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
