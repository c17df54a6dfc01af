"""The settings table: sources, validation messages, and the README documents every setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from store import ConfigError, Settings, get_settings
from store.settings import describe_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_table_lists_every_setting_with_its_default() -> None:
    text = README.read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `(TSR_[A-Z_]+)` \|\s*([^|]*?)\s*\|", text, re.MULTILINE))
    for variable, default, _ in describe_settings():
        assert variable in table, f"{variable} is missing from the README configuration table"
        shown = table[variable].strip().strip("`")
        assert shown == default, f"{variable}: README says {shown!r}, code says {default!r}"


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TSR_STORE", "memory")
    monkeypatch.setenv("TSR_PORT", "9001")
    monkeypatch.setenv("TSR_SERVICE_ALLOWLIST", "https://a.example/sparql, https://b.example/sparql")
    settings = get_settings()
    assert settings.backend_kind == "memory"
    assert settings.port == 9001
    assert settings.service_allowlist == ["https://a.example/sparql", "https://b.example/sparql"]


def test_flags_override_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TSR_STORE", "memory")
    assert get_settings(store="/srv/tsr").store == "/srv/tsr"
    assert get_settings(store=None).store == "memory"


def test_config_file_is_read_below_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "tsr.toml"
    config.write_text('port = 7000\nquery_timeout = 5\nbase_iri = "https://x.example/"\n')
    monkeypatch.setenv("TSR_CONFIG", str(config))
    monkeypatch.setenv("TSR_PORT", "7001")
    settings = get_settings()
    assert (settings.port, settings.query_timeout, settings.base_iri) == (7001, 5.0, "https://x.example/")


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TSR_PORT", "eighty")
    with pytest.raises(ConfigError) as caught:
        get_settings()
    assert str(caught.value).startswith("setting port (TSR_PORT): ")


def test_unknown_config_key_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "tsr.toml"
    config.write_text("prot = 1\n")
    monkeypatch.setenv("TSR_CONFIG", str(config))
    with pytest.raises(ConfigError, match="prot"):
        get_settings()


def test_broken_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "tsr.toml"
    config.write_text("port = \n")
    monkeypatch.setenv("TSR_CONFIG", str(config))
    with pytest.raises(ConfigError, match=f"config file {config} is not valid TOML"):
        get_settings()


def test_secrets_are_masked_in_info() -> None:
    from store.report import settings_in_effect

    shown = settings_in_effect(Settings(store="memory", write_token="s3cret"))  # type: ignore[arg-type]
    assert shown["TSR_WRITE_TOKEN"] == "***"
    assert "s3cret" not in repr(shown)


def test_remote_without_urls_says_which_are_missing() -> None:
    from store import open_store

    with pytest.raises(ConfigError) as caught:
        open_store(Settings(store="remote", query_url="http://x/q"))
    assert str(caught.value) == "TSR_STORE=remote needs TSR_UPDATE_URL, TSR_GRAPH_STORE_URL"
