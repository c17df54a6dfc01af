"""Benchmark of `tsr ingest`: synthetic actors in the template's format at two sizes, against
Oxigraph's own bulk load of the same triples (the floor) and a naive rdflib + pySHACL
pipeline (on the small size). Every figure comes from this run, on this machine.

    python bench/ingest.py                 # 100k and 1M rows (CSV), 100k rows (XLSX)
    python bench/ingest.py --sizes 20000   # a quick run
    python bench/ingest.py --naive-rows 5000

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


def measure(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB, and standard error of one process."""
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
    return seconds, usage.ru_maxrss / 1024, (out + err).decode()


def ingest_run(path: Path, work: Path) -> dict[str, float]:
    store = work / f"store-{path.name}"
    seconds, peak, _ = measure([TSR, "ingest", str(path), "--store", str(store)])
    graph = f"https://data.tsr-observatory.org/graph/source/{path.name.replace('.', '-').lower()}"
    nt = work / f"{path.name}.nt"
    measure([TSR, "dump", str(nt), "--graph", graph, "--format", "ntriples", "--store",
             str(store)])
    triples = sum(1 for _ in nt.open("rb"))
    bulk = work / f"bulk-{path.name}"
    bulk_seconds, bulk_peak, _ = measure([sys.executable, __file__, "_bulk", str(nt), str(bulk)])
    shutil.rmtree(store, ignore_errors=True)
    shutil.rmtree(bulk, ignore_errors=True)
    nt.unlink()
    return {"seconds": seconds, "peak_mib": peak, "triples": triples,
            "bulk_seconds": bulk_seconds, "bulk_peak_mib": bulk_peak}


def _bulk(nt: str, location: str) -> None:
    """Oxigraph's own bulk loader into a fresh on-disk store: the floor."""
    from pyoxigraph import NamedNode, RdfFormat, Store

    store = Store(location)
    store.bulk_load(path=nt, format=RdfFormat.N_TRIPLES,
                    to_graph=NamedNode("https://example.org/bulk"))
    store.flush()


def _naive(csv_path: str) -> None:
    """What one would write first: an rdflib graph from the rows, then one pySHACL run."""
    from pyshacl import validate
    from rdflib import Graph, Literal, URIRef

    from ingest.shapes_model import shapes_model
    from store.model import model_triples
    from store.namespaces import RDF, TSR, slug

    graph = Graph()
    for t in model_triples():
        graph.parse(data=f"{t.subject} {t.predicate} {t.object} .", format="nt")
    with open(csv_path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        for row in reader:
            subject = URIRef(f"https://data.tsr-observatory.org/id/actor/siren-{row[3]}")
            graph.add((subject, URIRef(RDF + "type"), URIRef(TSR + "Actor")))
            graph.add((subject, URIRef(TSR + "name"), Literal(row[0])))
            graph.add((subject, URIRef(TSR + "siren"), Literal(row[3])))
            graph.add((subject, URIRef(TSR + "actorType"),
                       URIRef(f"https://w3id.org/tsr-observatory/vocab/actor-type/{slug(row[1])}")))
            graph.add((subject, URIRef(TSR + "commune"), Literal(row[5])))
            graph.add((subject, URIRef(TSR + "communeCode"), Literal(row[6])))
    validate(graph, shacl_graph=shapes_model().graph, inference="none")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--naive-rows", type=int, default=100_000)
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
        if args.naive_rows:
            path = work / f"naive-{args.naive_rows}.csv"
            write_csv(path, args.naive_rows)
            seconds, peak, _ = measure([sys.executable, __file__, "_naive", str(path)])
            ours = next((r for r in results if r["kind"] == "csv" and r["rows"] == args.naive_rows),
                        None)
            if ours is None:
                ours = ingest_run(path, work)
            print(f"naive rdflib + pySHACL, {args.naive_rows:,} rows: {seconds:.1f} s, "
                  f"peak {peak:.0f} MiB; tsr ingest {ours['seconds']:.1f} s: "
                  f"{seconds / ours['seconds']:.1f}x faster", flush=True)
    print(json.dumps(results, indent=1))


def _line(f: dict) -> str:
    return (f"{f['kind']} {f['rows']:>9,} rows ({f['mib']:.0f} MiB): tsr ingest {f['seconds']:.1f} s, "
            f"{f['rows'] / f['seconds']:,.0f} rows/s, {f['triples'] / f['seconds']:,.0f} triples/s, "
            f"peak {f['peak_mib']:.0f} MiB | oxigraph bulk load {f['bulk_seconds']:.1f} s "
            f"(peak {f['bulk_peak_mib']:.0f} MiB) | ratio {f['seconds'] / f['bulk_seconds']:.1f}x")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_bulk":
        _bulk(sys.argv[2], sys.argv[3])
    elif len(sys.argv) > 1 and sys.argv[1] == "_naive":
        _naive(sys.argv[2])
    else:
        main()
