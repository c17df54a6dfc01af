"""Upload, check, preview, publish, history, restore and withdraw, in-process."""

from __future__ import annotations

import html
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from store.namespaces import PROV, RDFS, DataIris

from . import workbooks
from .conftest import COORDINATOR, Workspace, csrf_of
from .workbooks import BAD_RNA, BAD_TYPE, EXAMPLE, FIRST_ACTOR_PATH, RENAMED, corrected, with_errors

SOURCE = "reseau-a/enquete-2024"


def _job(workspace: Workspace, sent) -> str:  # type: ignore[no-untyped-def]
    assert sent.status_code == 303, sent.text
    return str(sent.headers["location"])


def test_errors_then_fix_then_publish_restore_and_withdraw(workspace: Workspace,
                                                           tmp_path: Path) -> None:
    app = workspace.app
    assert workspace.sign_in(*COORDINATOR).status_code == 303
    # 1. a workbook with two errors: reported by sheet and column, in French and English
    bad = _job(workspace, workspace.upload(with_errors(tmp_path / "enquete.xlsx"), SOURCE))
    state = workspace.wait(bad)
    assert state["state"] == "checked"
    assert [(v["sheet"], v["row"], v["column"], v["value"]) for v in state["violations"]] == [
        ("Acteurs", 2, "RNA", BAD_RNA), ("Acteurs", 4, "Type d'acteur", BAD_TYPE)]
    page = app.get(bad)
    assert "2 erreur(s)" in page.text and "Feuille « Acteurs », colonne « RNA »" in page.text
    assert 'id="publish"' not in page.text
    english = html.unescape(app.get(bad + "?lang=en").text)
    assert "Sheet 'Acteurs', column 'RNA'" in english
    assert "'Actor type': required; a single value;" in english
    # the annotated workbook: the two cells filled and commented
    report = app.get(bad + "/report.xlsx")
    assert report.status_code == 200
    sheet = load_workbook(BytesIO(report.content))["Acteurs"]
    assert sheet["G2"].value == BAD_RNA and sheet["G2"].comment is not None
    assert sheet["C4"].fill.fgColor.rgb.endswith("FFC7CE")
    # publishing a file with errors is refused; discarding keeps nothing
    assert workspace.form(bad + "/publish", {}, page=bad).status_code == 400
    folder = next(p for p in (workspace.folder / "uploads").iterdir())
    assert workspace.form(bad + "/discard", {}, page=bad).status_code == 303
    assert not folder.exists()
    # 2. the example: all added; publish
    first = _job(workspace, workspace.upload(EXAMPLE, SOURCE))
    state = workspace.wait(first)
    assert state["violations"] == []
    assert state["difference"]["added"] > 500 and state["difference"]["changed"] == 0
    # a public reader has seen the store before (their graphs are kept a few seconds):
    # "published" means they see the new source at once
    assert app.get(FIRST_ACTOR_PATH, headers={"Accept": "text/html"}).status_code == 404
    search = "/api/search?q=" + workbooks.FIRST_ACTOR_NAME.split()[0]
    assert FIRST_ACTOR_PATH not in app.get(search).text
    assert workspace.form(first + "/publish", {}, page=first).status_code == 303
    assert workspace.wait(first)["state"] == "published"
    assert app.get(FIRST_ACTOR_PATH, headers={"Accept": "text/html"}).status_code == 200
    assert FIRST_ACTOR_PATH in app.get(search).text
    # 3. the corrected survey: one entity changed (its name), shown in the preview
    second = _job(workspace, workspace.upload(corrected(tmp_path / "enquete.xlsx"), SOURCE))
    state = workspace.wait(second)
    assert state["difference"] == {"added": 0, "changed": 1, "removed": 0,
                                   "unchanged": state["difference"]["unchanged"]}
    preview = app.get(second + "?lang=fr")
    assert RENAMED in preview.text and "propriétés modifiées : name" in preview.text
    assert workspace.form(second + "/publish", {}, page=second).status_code == 303
    assert workspace.wait(second)["state"] == "published"
    assert RENAMED in app.get(FIRST_ACTOR_PATH, headers={"Accept": "text/html"}).text
    # the PROV record of the load names the account
    store = app.app.state.store
    iris = DataIris(app.app.state.settings.base_iri)
    rows = list(store.query(
        f"SELECT ?label WHERE {{ GRAPH {iris.provenance_graph} {{ "
        f"{iris.source_graph(SOURCE)} <{PROV}wasGeneratedBy> ?load . "
        f"?load <{PROV}wasAssociatedWith> ?who . ?who a <{PROV}Person> ; <{RDFS}label> ?label }} }}",
        default_graph=[]))
    assert [r["label"].value for r in rows] == [COORDINATOR[0]]
    # 4. history: two versions; restore the first in one step
    history = app.get(f"/workspace/sources/{SOURCE}")
    assert history.text.count('class="restore"') == 1
    versions = workspace.app.app.state.workspace.history.versions(SOURCE)
    assert [v.file for v in versions] == ["enquete.xlsx", EXAMPLE.name]
    restored = workspace.form("/workspace/sources/restore",
                              {"source": SOURCE, "version": versions[1].id},
                              page=f"/workspace/sources/{SOURCE}")
    assert restored.status_code == 303
    assert RENAMED not in app.get(FIRST_ACTOR_PATH, headers={"Accept": "text/html"}).text
    assert len(workspace.app.app.state.workspace.history.versions(SOURCE)) == 3
    # 5. withdraw: the source leaves the public side
    gone = workspace.form("/workspace/sources/withdraw", {"source": SOURCE},
                          page=f"/workspace/sources/{SOURCE}")
    assert gone.status_code == 303
    assert app.get(FIRST_ACTOR_PATH, headers={"Accept": "text/html"}).status_code == 404
    assert store.count(iris.source_graph(SOURCE)) == 0
    withdrawn_by = [r["who"].value for r in store.query(
        f"SELECT ?who WHERE {{ GRAPH {iris.provenance_graph} {{ ?drop <{PROV}invalidated> "
        f"{iris.source_graph(SOURCE)} ; <{PROV}wasAssociatedWith> ?who }} }}", default_graph=[])]
    assert withdrawn_by == [f"{iris.base}id/agent/account-{COORDINATOR[0]}"]


def test_history_keeps_the_last_n_versions(tmp_path: Path) -> None:
    from ingest.history import History

    history = History(tmp_path / "history", keep=2)
    for number in range(3):
        file = tmp_path / f"v{number}.csv"
        file.write_text(f"Nom\nx{number}\n")
        history.record("reseau-a/x", file, account="coord", restricted=False)
    assert [v.file for v in history.versions("reseau-a/x")] == ["v2.csv", "v1.csv"]
    assert len(list((tmp_path / "history").rglob("*.csv"))) == 2


def test_a_bundled_mapping_can_be_chosen(workspace: Workspace) -> None:
    """The CORDIS export of the test fixtures, read through the bundled `cordis` mapping."""
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "cordis"
    export = next(p for p in sorted(fixtures.iterdir()) if p.suffix in (".csv", ".xlsx"))
    assert workspace.sign_in(*COORDINATOR).status_code == 303
    job = _job(workspace, workspace.upload(export, "reseau-a/cordis", mapping="cordis"))
    state = workspace.wait(job)
    assert state["state"] == "checked", state
    assert state["difference"]["added"] > 0
    assert "cordis" in workspace.app.get(job).text
    refused = workspace.upload(export, "reseau-a/cordis", mapping="nonsense")
    assert refused.status_code == 400
    assert csrf_of(workspace.app.get("/workspace/"))


def test_a_check_under_way_shows_its_progress(workspace: Workspace, tmp_path: Path) -> None:
    from api.workspace.jobs import PROGRESS, expected_rows

    csv = tmp_path / "acteurs.csv"
    csv.write_text("Nom;Type d'acteur\n" + "".join(f"A{n};Association\n" for n in range(1500)))
    assert expected_rows(csv) == 1500
    assert expected_rows(EXAMPLE) is None
    assert workspace.sign_in(*COORDINATOR).status_code == 303
    # a job whose check process has read 1,200 rows so far (its progress file says so)
    job = workspace.app.app.state.workspace.jobs.new(COORDINATOR[0], SOURCE, csv.name)
    job.expected_rows = 1500
    (job.folder / PROGRESS).write_text("1200")
    page = workspace.app.get(f"/workspace/uploads/{job.id}?lang=fr")
    assert 'http-equiv="refresh"' in page.text
    assert "Vérification en cours : 1\u202f200 lignes lues en" in page.text
    assert "Le fichier en compte environ 1\u202f500." in page.text
    assert '<progress aria-labelledby="progress" max="1500" value="1200">' in page.text
    assert workspace.app.get(f"/workspace/uploads/{job.id}",
                             headers={"Accept": "application/json"}).json()["rows"] == 1200


def test_the_templates_download_in_both_formats_and_languages(workspace: Workspace) -> None:
    assert workspace.sign_in(*COORDINATOR).status_code == 303
    english = workspace.app.get("/workspace/template.xlsx?template_lang=en")
    assert english.status_code == 200
    assert 'filename="tsr-observatory-template.xlsx"' in english.headers["content-disposition"]
    assert "Actors" in load_workbook(BytesIO(english.content)).sheetnames
    french = workspace.app.get("/workspace/template.ods?template_lang=fr")
    assert french.status_code == 200 and french.content[:2] == b"PK"
    assert 'filename="modele-observatoire-tsr.ods"' in french.headers["content-disposition"]
    assert workspace.app.get("/workspace/template.pdf").status_code == 404


def test_a_remote_store_is_checked_and_published(oxigraph_url: str, tmp_path: Path) -> None:
    """On a remote store the check process reads the SPARQL server itself."""
    from api.workspace.accounts import open_accounts
    from tests.api.conftest import AppClient, api_settings
    from tests.servers import remote_env

    from .conftest import Workspace as Client
    from .conftest import make_accounts

    with httpx.Client() as client:
        client.post(f"{oxigraph_url}/update", data={"update": "DROP SILENT ALL"})
    env = remote_env(oxigraph_url)
    settings = api_settings(store="remote", query_url=env["TSR_QUERY_URL"],
                            update_url=env["TSR_UPDATE_URL"],
                            graph_store_url=env["TSR_GRAPH_STORE_URL"],
                            workspace_dir=str(tmp_path / "workspace"))
    accounts = open_accounts(settings)
    make_accounts(accounts)
    accounts.close()
    app = AppClient(settings, data=False)
    try:
        workspace = Client(app, tmp_path / "workspace")
        assert workspace.sign_in(*COORDINATOR).status_code == 303
        first = _job(workspace, workspace.upload(EXAMPLE, SOURCE))
        assert workspace.wait(first)["difference"]["added"] > 500
        assert workspace.form(first + "/publish", {}, page=first).status_code == 303
        assert workspace.wait(first)["state"] == "published"
        second = _job(workspace, workspace.upload(corrected(tmp_path / "enquete.xlsx"), SOURCE))
        state = workspace.wait(second)
        assert state["state"] == "checked", state["error"]
        assert state["difference"]["changed"] == 1 and state["difference"]["added"] == 0
    finally:
        app.close()


def test_a_file_that_cannot_be_read_fails_with_one_line(workspace: Workspace) -> None:
    broken = Path(__file__).resolve().parents[1] / "fixtures" / "broken" / "not-a-zip.xlsx"
    assert workspace.sign_in(*COORDINATOR).status_code == 303
    job = _job(workspace, workspace.upload(broken, SOURCE))
    state = workspace.wait(job)
    assert state["state"] == "failed"
    assert "not-a-zip.xlsx" in state["error"] and "\n" not in state["error"]
    page = workspace.app.get(job + "?lang=fr")
    assert "Le fichier n'a pas pu être lu :" in html.unescape(page.text)
    assert 'id="publish"' not in page.text
    assert workspace.app.get("/health").status_code == 200  # the server goes on
    assert workspace.upload(EXAMPLE, SOURCE).status_code == 303  # and takes the next file


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
