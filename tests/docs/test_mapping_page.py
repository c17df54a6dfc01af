"""Every example of docs/mapping.md runs: its YAML block is the mapping, its CSV block the
file, and its `text` block what `tsr mapping preview` shows (or, as `text errors`, the
errors `tsr validate` reports)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ingest.mapping_spec import MappingError
from ingest.mapping_spec.starter import preview
from ingest.pipeline import IngestOptions, validate_files
from store import Settings

PAGE = Path(__file__).resolve().parents[2] / "docs" / "mapping.md"
BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


@dataclass
class Example:
    section: str
    mapping: str = ""
    files: dict[str, str] = field(default_factory=dict)
    preview: str | None = None
    errors: str | None = None


def examples() -> list[Example]:
    found: list[Example] = []
    for section in re.split(r"^## ", PAGE.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]:
        title = section.splitlines()[0]
        current: Example | None = None
        for kind, info, body in BLOCK.findall(section):
            if kind == "yaml":
                current = Example(title, body)
                found.append(current)
            elif current is not None and kind == "csv":
                current.files[info.strip()] = body
            elif current is not None and kind == "text":
                if info.strip() == "errors":
                    current.errors = body
                else:
                    current.preview = body
    return found


EXAMPLES = examples()


def test_the_page_has_an_example_for_every_feature() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for feature in ("entities:", "{entity:", "map:", "default:", "empty:", "first:",
                    "template:", "split:", "each:", "pattern:", "as: year", "skip", '"*"',
                    "ignore", "constants:"):
        assert any(feature in e.mapping for e in EXAMPLES) or feature in text, feature
    assert all(e.files and (e.preview or e.errors) for e in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.section for e in EXAMPLES])
def test_example(example: Example, tmp_path: Path) -> None:
    paths = []
    for name, body in example.files.items():
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        paths.append(path)
    mapping = tmp_path / f"{paths[0].stem}.yaml"
    mapping.write_text(example.mapping, encoding="utf-8")
    if example.errors is not None:
        try:
            [outcome] = validate_files(None, paths, Settings(store="memory"),
                                       IngestOptions(mapping=mapping, lang="en"))
        except MappingError as error:
            shown = str(error).replace(f"{tmp_path}/", "") + "\n"
        else:
            shown = "".join(f"{v.sheet}, row {v.row}, column {v.letter} ({v.column}): "
                            f"{v.message('en')}\n" for v in outcome.violations)
        assert shown == example.errors
        return
    [outcome] = validate_files(None, paths, Settings(store="memory"),
                               IngestOptions(mapping=mapping, lang="en"))
    assert [v.message("en") for v in outcome.violations] == []
    shown = preview(paths[0], mapping, rows=100, lang="en", source="exemple").text("en")
    assert shown == example.preview
