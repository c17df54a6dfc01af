"""Benchmark of `tsr ingest`: synthetic actors in the template's format at two sizes, against
Oxigraph's own bulk load of the same triples (the floor) and a naive rdflib + pySHACL
pipeline (on small files: it is quadratic). Every figure comes from this run, on this machine.

    python bench/ingest.py                 # 100k and 1M rows (CSV), 100k rows (XLSX)
    python bench/ingest.py --sizes 20000   # a quick run
    python bench/ingest.py --sizes --xlsx-rows 0 --naive-rows 0 --mapping-rows 100000
                                           # only the mapping-heavy case
    python bench/ingest.py --naive-rows 500 --naive-timeout 300

Each measured step runs in its own process; peak memory is that process's max RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TSR = str(Path(sys.executable).with_name("tsr"))
BASE = "https://data.tsr-observatory.org/"
HEADERS = ["Nom", "Type d'acteur", "Forme juridique", "SIREN", "Région", "Commune",
           "Code commune", "Date de création", "Formes d'investissement", "Site web"]
TYPES = ["Association", "Coopérative", "Fondation opératrice", "Entreprise de l'ESS"]
FORMS = ["Association loi 1901", "SCOP", "SCIC"]
REGIONS = ["Bretagne", "Occitanie", "Île-de-France", "Grand Est", "Normandie"]
INVEST = ["Recherche participative", "Médiation scientifique", "Formation", "Expertise"]


def actor_row(index: int, rng: random.Random) -> list[str]:
    return [
        f"Association synthétique n°{index}", rng.choice(TYPES), rng.choice(FORMS),
        f"{100000000 + index:09d}", rng.choice(REGIONS), "Lyon", f"{69001 + index % 300:05d}",
        f"{1 + index % 28:02d}/{1 + index % 12:02d}/{1950 + index % 70}",
        "; ".join(rng.sample(INVEST, 2)), f"https://example.org/a{index}",
    ]


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(rows)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADERS)
        for index in range(rows):
            writer.writerow(actor_row(index, rng))


def write_xlsx(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    rng = random.Random(rows)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Acteurs")
    sheet.append(HEADERS)
    for index in range(rows):
        sheet.append(actor_row(index, rng))
    book.save(path)


# A participations export (CORDIS-like) read through a mapping: each row makes a project,
# an organisation and the participation linking them, through value maps; projects and
# organisations repeat on many rows (merged), as in the real export.
MAPPED_HEADERS = ["projectID", "projectAcronym", "organisationID", "name", "activityType",
                  "role", "city", "country", "ecContribution"]
ACTIVITY = ["HES", "REC", "PUB", "OTH", "PRC"]
COUNTRIES = ["FR", "DE", "ES", "BE"]
ROLES = ["coordinator", "participant", "associatedPartner", "thirdParty"]
MAPPING = """
empty: ["", "-", "N/A"]
sheets:
  "*":
    entities:
      project:
        sheet: Projets
        key: shared
        columns: {Code: projectID, Titre: projectAcronym}
      organisation:
        sheet: Acteurs
        columns:
          PIC: organisationID
          Nom: name
          Type d'acteur:
            column: activityType
            map: {HES: university, REC: research-organisation, PUB: public-authority,
                  OTH: other, PRC: private-company}
          Commune: city
          Pays: country
      participation:
        sheet: Participations
        columns:
          Projet: {entity: project}
          Acteur: {entity: organisation}
          Rôle:
            column: role
            map: {coordinator: lead, participant: academic-partner,
                  associatedPartner: associated-partner, thirdParty: civil-society-partner}
          Contribution reçue (EUR): ecContribution
"""


def mapped_row(index: int) -> list[str]:
    organisation = (index * 7919) % max(index // 3, 1000)  # organisations recur on many rows
    return [str(101000000 + index // 4), f"ACRO{index // 4}", str(900000000 + organisation),
            f"ORGANISATION {organisation}", ACTIVITY[organisation % 5], ROLES[index % 4],
            f"Ville {organisation % 400}", COUNTRIES[organisation % 4],
            f"{(index % 50) * 1000},50"]


def write_mapped_csv(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(MAPPED_HEADERS)
        for index in range(rows):
            writer.writerow(mapped_row(index))
    mapping = path.with_suffix(".yaml")
    mapping.write_text(MAPPING, encoding="utf-8")
    return mapping


def measure(command: list[str],
            env: dict[str, str] | None = None) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + system, all threads), peak RSS in MiB, and the
    output of one process. On a machine shared with other work, the CPU time is the figure
    that other work disturbs least."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, **(env or {})})
    assert process.stdout is not None and process.stderr is not None
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    process.stderr.close()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {err.decode()[-500:]}")
    return (seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
            (out + err).decode())


def ingest_run(path: Path, work: Path, mapping: Path | None = None) -> dict[str, float]:
    store = work / f"store-{path.name}"
    load_before = os.getloadavg()[0]
    extra = ["--mapping", str(mapping)] if mapping else []
    # a source named after the file alone, so its graph's name is known here
    seconds, cpu, peak, _ = measure([TSR, "ingest", str(path), "--store", str(store),
                                     "--source", path.name, *extra])
    graph = f"https://data.tsr-observatory.org/graph/source/{path.name.replace('.', '-').lower()}"
    nt = work / f"{path.name}.nt"
    measure([TSR, "dump", str(nt), "--graph", graph, "--format", "ntriples", "--store",
             str(store)])
    triples = sum(1 for _ in nt.open("rb"))
    if not triples:
        raise SystemExit(f"{graph}: no triples dumped (the source's graph name changed?)")
    bulk = work / f"bulk-{path.name}"
    bulk_seconds, bulk_cpu, bulk_peak, _ = measure(
        [sys.executable, __file__, "_bulk", str(nt), str(bulk)])
    shutil.rmtree(store, ignore_errors=True)
    shutil.rmtree(bulk, ignore_errors=True)
    nt.unlink()
    # the machine is shared: the 1-minute load average around the two measured processes
    return {"seconds": seconds, "peak_mib": peak, "triples": triples,
            "bulk_seconds": bulk_seconds, "bulk_peak_mib": bulk_peak,
            "cpu_seconds": cpu, "bulk_cpu_seconds": bulk_cpu,
            "load": max(load_before, os.getloadavg()[0])}


def _bulk(nt: str, location: str) -> None:
    """Oxigraph's own bulk loader into a fresh on-disk store: the floor."""
    from pyoxigraph import NamedNode, RdfFormat, Store

    store = Store(location)
    store.bulk_load(path=nt, format=RdfFormat.N_TRIPLES,
                    to_graph=NamedNode("https://example.org/bulk"))
    store.flush()


def _naive(csv_path: str) -> None:
    """What one would write first: the rows as an rdflib graph (the same triples the ingest
    makes), the model beside them, then one pySHACL run over everything."""
    from pyshacl import validate
    from rdflib import Graph

    from ingest.shapes_model import shapes_model
    from ingest.source_file import FileReading, SourceFile
    from store.model import model_triples
    from store.namespaces import DataIris

    lines = [f"{t.subject} {t.predicate} {t.object} ." for t in model_triples()]
    reading = FileReading(Path(csv_path))
    for entity in SourceFile(Path(csv_path), DataIris(BASE)).entities(reading):
        lines += [f"{t.subject} {t.predicate} {t.object} ." for t in entity.triples()]
    graph = Graph()
    graph.parse(data="\n".join(lines), format="nt")
    conforms, _, _ = validate(graph, shacl_graph=shapes_model().graph, inference="none")
    print(json.dumps({"conforms": conforms, "triples": len(graph)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    # pySHACL runs the SPARQL uniqueness constraint once per actor over the whole graph:
    # quadratic, so the naive pipeline is measured on small files, with a time limit
    parser.add_argument("--naive-rows", type=int, nargs="*", default=[500, 2000])
    parser.add_argument("--naive-timeout", type=float, default=900.0)
    parser.add_argument("--mapping-rows", type=int, nargs="*", default=[100_000],
                        help="sizes of the mapping-heavy case (a participations export)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="tsr-bench-") as tmp:
        work = Path(tmp)
        cases = [("csv", n) for n in args.sizes]
        if args.xlsx_rows:
            cases.append(("xlsx", args.xlsx_rows))
        for kind, rows in cases:
            path = work / f"Acteurs-{rows}.{kind}"
            (write_csv if kind == "csv" else write_xlsx)(path, rows)
            figures = ingest_run(path, work)
            figures.update(kind=kind, rows=rows, mib=path.stat().st_size / 2**20)
            results.append(figures)
            print(_line(figures), flush=True)
        for rows in (n for n in args.mapping_rows if n > 0):
            path = work / f"participations-{rows}.csv"
            mapping = write_mapped_csv(path, rows)
            figures = ingest_run(path, work, mapping)
            figures.update(kind="mapped csv", rows=rows, mib=path.stat().st_size / 2**20)
            results.append(figures)
            print(_line(figures), flush=True)
        for rows in (n for n in args.naive_rows if n > 0):  # `--naive-rows 0`: none
            path = work / f"naive-{rows}.csv"
            write_csv(path, rows)
            ours = ingest_run(path, work)
            started = time.perf_counter()
            process = subprocess.Popen([sys.executable, __file__, "_naive", str(path)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                process.wait(timeout=args.naive_timeout)
                naive = f"{time.perf_counter() - started:.1f} s"
                ratio = (time.perf_counter() - started) / ours["seconds"]
                faster = f"{ratio:.0f}x faster"
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                naive = f"over {args.naive_timeout:.0f} s (stopped)"
                faster = f"over {args.naive_timeout / ours['seconds']:.0f}x faster"
            print(f"naive rdflib + pySHACL, {rows:,} rows: {naive}; tsr ingest "
                  f"{ours['seconds']:.1f} s: {faster}", flush=True)
    print()
    print(_table(results))
    print(json.dumps(results, indent=1))


def _table(results: list[dict]) -> str:
    """The README's table (section "Ingest")."""
    lines = ["| file | tsr ingest | rows/s | triples/s | peak memory | Oxigraph bulk load | "
             "ratio | CPU time: tsr ingest / bulk load |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for f in results:
        lines.append(
            f"| {f['kind'].upper()}, {f['rows']:,} rows ({_millions(f['triples'])} triples) | "
            f"{f['seconds']:.1f} s | {f['rows'] / f['seconds']:,.0f} | "
            f"{f['triples'] / f['seconds']:,.0f} | {f['peak_mib']:,.0f} MiB | "
            f"{f['bulk_seconds']:.1f} s ({f['bulk_peak_mib']:,.0f} MiB) | "
            f"**{f['seconds'] / f['bulk_seconds']:.1f}×** | {f['cpu_seconds']:.0f} s / "
            f"{f['bulk_cpu_seconds']:.0f} s ({f['cpu_seconds'] / f['bulk_cpu_seconds']:.1f}×) |")
    loads = ", ".join(f"{f['load']:.1f}" for f in results)
    lines.append(f"\n(load average of the 2-core machine during each run: {loads})")
    return "\n".join(lines)


def _millions(triples: float) -> str:
    return f"{triples / 1e6:.1f} M".replace(".0 M", " M")


def _line(f: dict) -> str:
    return (f"{f['kind']} {f['rows']:>9,} rows ({f['mib']:.0f} MiB): tsr ingest {f['seconds']:.1f} s, "
            f"{f['rows'] / f['seconds']:,.0f} rows/s, {f['triples'] / f['seconds']:,.0f} triples/s, "
            f"peak {f['peak_mib']:.0f} MiB | oxigraph bulk load {f['bulk_seconds']:.1f} s "
            f"(peak {f['bulk_peak_mib']:.0f} MiB) | ratio {f['seconds'] / f['bulk_seconds']:.1f}x "
            f"| CPU {f['cpu_seconds']:.0f} s / {f['bulk_cpu_seconds']:.0f} s | load {f['load']:.1f}")


if __name__ == "__main__":
    # this file is bench/ingest.py: keep `import ingest` for the package, not this script
    sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    if len(sys.argv) > 1 and sys.argv[1] == "_bulk":
        _bulk(sys.argv[2], sys.argv[3])
    elif len(sys.argv) > 1 and sys.argv[1] == "_naive":
        _naive(sys.argv[2])
    else:
        main()
