"""The Dockerfile passes hadolint at its default rules (no Docker engine runs here)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    assert Path(found).exists(), "hadolint is missing: pip install '.[test]'"
    return found


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run([hadolint(), str(REPO / "Dockerfile")], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_flag_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\n")
    result = subprocess.run([hadolint(), str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # the `latest` tag


def test_dockerfile_runs_as_non_root_with_volume_healthcheck_and_serve() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "\nUSER 10001:10001\n" in text
    assert 'VOLUME ["/data"]' in text
    assert "HEALTHCHECK" in text and "/health" in text
    assert 'CMD ["tsr", "serve", "--host", "0.0.0.0"' in text
    copied = {line.split()[1] for line in text.splitlines() if line.startswith("COPY ")}
    for package in ("store", "ingest", "api", "cli", "ontology", "shapes", "queries"):
        assert package in copied, f"the image misses {package}/"


def test_image_ships_the_sparql_editor_built_from_npm() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "RUN npm ci" in text
    assert "COPY --from=ui /ui/node_modules/@zazuko/yasgui/build" in text
    # copied before the package is installed, so package-data picks the assets up
    assert text.index("COPY --from=ui") < text.index("RUN pip install")
