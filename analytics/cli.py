"""The ``coe`` command line: a thin group of commands over library calls."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

import click

from analytics.output import FORMATS, render
from analytics.store import StoreError, default_store_path, describe_error, open_store

store_option = click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Store file (default: $COE_STORE, else ./coegraph.db).",
)


# The store the running command opened: an environment error names it.
_opened: list[Path] = []


def _open(store_path: Path | None):
    path = store_path or default_store_path()
    _opened.append(path)
    try:
        return open_store(path)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


class _Commands(click.Group):
    """The command group; an error of the store's environment (disk full, read-only store or
    media, a write lock held past the wait) ends any command with a message, not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except sqlite3.OperationalError as exc:
            message = describe_error(exc, _opened[-1] if _opened else default_store_path())
            if message is None:
                raise
            raise click.ClickException(message) from exc


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coegraph")
def main() -> None:
    """coegraph: root-cause graph analytics over COE documents."""


mapping_option = click.option(
    "--mapping",
    "mapping_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="YAML of record_field: source key (dotted paths allowed) for JSON/YAML/CSV exports "
    "whose field names coegraph does not know.",
)


def _load_mapping(mapping_path: Path | None) -> dict[str, str] | None:
    from analytics.parsers import ParseError
    from analytics.parsers.mapping import load_mapping

    if mapping_path is None:
        return None
    try:
        return load_mapping(mapping_path)
    except ParseError as exc:
        raise click.ClickException(f"--mapping: {exc}") from exc


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="json")
@click.option(
    "--explain",
    is_flag=True,
    help="List which source fields or sections went to which record field, and which were "
    "ignored, instead of the record.",
)
@mapping_option
def parse(file: Path, fmt: str, explain: bool, mapping_path: Path | None) -> None:
    """Parse one document into its COE record(s); no store involved."""
    from analytics.parsers import ParseError, parse_path
    from analytics.parsers.explain import explain_path

    mapping = _load_mapping(mapping_path)
    try:
        if explain:
            _, rows = explain_path(file, mapping)
            click.echo(render(rows, fmt, ["record", "line", "source", "to"]))
            return
        coes = parse_path(file, mapping)
    except ParseError as exc:
        raise click.ClickException(str(exc)) from exc
    records = [c.to_dict() for c in coes]
    if fmt == "json":
        click.echo(json.dumps(records[0] if len(records) == 1 else records, indent=2))
        return
    rows = [
        {
            "id": r["id"],
            "title": r["title"],
            "date": r["date"],
            "whys": len(r["whys"]),
            "root_causes": len(r["root_causes"]),
            "actions": len(r["actions"]),
            "warnings": len(r["warnings"]),
        }
        for r in records
    ]
    click.echo(render(rows, "table"))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table")
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: on a terminal)."
)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="List every document's warnings and every skipped file (else their counts).",
)
@mapping_option
def ingest(
    paths: tuple[Path, ...],
    store_path: Path | None,
    fmt: str,
    progress: bool | None,
    verbose: bool,
    mapping_path: Path | None,
) -> None:
    """Parse files and folders into the store; exit 1 if any file failed or held invalid values.

    A document with invalid values (a date that does not exist, NaN or an oversized number,
    lone surrogates, a name that is not UTF-8) lands with them dropped or replaced, is listed
    with why, and makes the exit status 1 as a failed file does. Other warnings (what the
    parser could not read) and the files a folder walk skipped are counted in the summary, and
    listed with --verbose (JSON lists them always).
    """
    from analytics.ingest import ingest as run_ingest

    mapping = _load_mapping(mapping_path)
    conn = _open(store_path)
    skipped: list = []
    results = run_ingest(conn, paths, progress=progress, skipped=skipped, mapping=mapping)
    rows = [r.to_dict() for r in results]
    if fmt == "json":
        click.echo(render(rows + [r.to_dict() for r in skipped], "json"))
    else:
        shown = [r for r in rows if r["status"] != "unchanged" or fmt == "csv"]
        for r in shown:
            r["coe_ids"] = ", ".join(r["coe_ids"])
            r["reason"] = f"line {r['line']}: {r['reason']}" if r["line"] else r["reason"]
        if shown:
            click.echo(render(shown, fmt, ["status", "path", "coe_ids", "reason"]))
        _ingest_notes(results, skipped, verbose)
    if any(r.status == "failed" or r.damage for r in results):
        sys.exit(1)


def _ingest_notes(results: list, skipped: list, verbose: bool) -> None:
    """Warnings and skipped files on stderr, then the summary: nothing is left out silently."""
    from collections import Counter

    from analytics.parsers.invalid import is_damage

    documents = total = 0
    for r in results:
        # a file's own notes and invalid values always; what the parser could not read on asking
        for w in (*r.warnings, *r.record_warnings):
            if verbose or w in r.warnings or is_damage(w):
                click.echo(f"warning: {r.path}: {w}", err=True)
        unread = [w for w in r.record_warnings if not is_damage(w)]
        documents += bool(unread)
        total += len(unread)
    if verbose:
        for r in skipped:
            click.echo(f"skipped: {r.path}: {r.reason}", err=True)
    counts = {
        s: sum(r.status == s for r in results)
        for s in ("ingested", "updated", "unchanged", "failed")
    }
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    if skipped:
        reasons = Counter(r.reason for r in skipped).most_common()
        summary += (
            f", {len(skipped)} skipped (" + "; ".join(f"{n} {why}" for why, n in reasons) + ")"
        )
    click.echo(summary, err=True)
    damaged = sum(bool(r.damage) for r in results)
    if damaged:
        click.echo(
            f"{damaged} document(s) held invalid values (the 'invalid' warnings above): stored "
            "with those values dropped or replaced; fix them at the source (exit status 1)",
            err=True,
        )
    if documents and not verbose:
        click.echo(
            f"{total} warning(s) in {documents} document(s): what the parser could not read "
            "(--verbose lists them)",
            err=True,
        )


@main.command()
@click.option("--n", "n", type=int, default=300, show_default=True, help="Number of COEs.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--drafts", type=int, default=0, show_default=True, help="Held-out draft COEs.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
def sample(n: int, seed: int, drafts: int, out: Path) -> None:
    """Write a synthetic corpus with ground-truth labels (labels.json)."""
    from analytics.sample import generate_corpus

    labels = generate_corpus(n, seed, out, n_drafts=drafts)
    click.echo(
        f"wrote {len(labels['coes'])} COEs and {len(labels.get('drafts', {}))} drafts to {out}"
    )


def _analysis(conn):
    from analytics.analysis import load_analysis

    analysis = load_analysis(conn)
    if analysis is None:
        raise click.ClickException("the store has no analysis yet: run `coe analyze` first")
    return analysis


@main.command()
@store_option
@click.option(
    "--embedder",
    type=click.Choice(["sentence-transformers", "tfidf"]),
    default="sentence-transformers",
    show_default=True,
    help="tfidf is fast and needs no torch.",
)
@click.option(
    "--model",
    default=None,
    help="Model name or local folder (default: $COE_MODEL, else all-MiniLM-L6-v2).",
)
@click.option(
    "--device",
    default=None,
    help="cpu, cuda, mps ... (default: $COE_DEVICE, else a GPU if torch sees one).",
)
@click.option(
    "--clusterer",
    type=click.Choice(["agglomerative", "hdbscan", "kmeans"]),
    default="agglomerative",
    show_default=True,
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--taxonomy",
    type=click.Path(exists=True, dir_okay=False),
    envvar="COE_TAXONOMY",
    default=None,
    help="Failure-mechanism taxonomy (YAML) to match causes to (default: the shipped one; "
    "'extends: default' in the file adds to it).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Re-cluster everything (default: when at most 10% of statements are new, "
    "they join the last run's clusters).",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bars (default: on a terminal)."
)
@click.option(
    "--keep-warm",
    is_flag=True,
    envvar="COE_KEEP_WARM",
    help="Run in a background worker that keeps the model and this run in memory for 15 "
    "minutes, so the next run after a few new COEs takes seconds. A running worker is used "
    "either way; `coe worker --stop` stops it.",
)
def analyze(
    store_path, embedder, model, device, clusterer, seed, taxonomy, full, progress, keep_warm
):
    """Embed, cluster and label root causes, why-steps and actions."""
    from analytics import worker
    from analytics.mechanisms import TaxonomyError, load_taxonomy
    from analytics.model_registry import model_setting

    path = store_path or default_store_path()
    conn = _open(path)  # a bad store fails here, with its message, not in the worker
    if taxonomy:
        taxonomy = str(Path(taxonomy).resolve())  # the worker may run in another folder
    try:
        load_taxonomy(taxonomy)  # a bad file fails here, with its message
    except TaxonomyError as exc:
        raise click.ClickException(str(exc)) from exc
    if embedder != "tfidf":
        # Resolved here, so that a worker started elsewhere never decides them.
        model = model_setting(model)
        model = str(Path(model).resolve()) if Path(model).exists() else model
        device = device or os.environ.get("COE_DEVICE")
    settings = dict(
        embedder=embedder,
        model=model,
        device=device,
        clusterer=clusterer,
        seed=seed,
        full=full,
        taxonomy=taxonomy,
    )
    show = sys.stderr.isatty() if progress is None else progress
    code = worker.run(path, settings, progress=show, start=keep_warm)
    if code is not None:
        conn.close()
        sys.exit(code)
    if keep_warm:
        click.echo("analyze: no warm worker could serve this run; running it here", err=True)
    from analytics.analyze import Settings
    from analytics.analyze import analyze as run_analyze
    from analytics.model_registry import ModelNotFoundError

    try:
        run_analyze(conn, Settings(**settings), progress=show)
    except ModelNotFoundError as exc:
        raise click.ClickException(f"{exc} (or use --embedder tfidf)") from exc


def _unmatched_mechanisms(analysis) -> list[str]:
    """The names of the taxonomy's mechanisms that are no theme of ``analysis``."""
    from analytics.mechanisms import TaxonomyError, load_taxonomy

    try:
        mechanisms = load_taxonomy(analysis.settings.get("taxonomy"))
    except TaxonomyError:
        return []  # the run's taxonomy file is gone; nothing to compare with
    found = {c.mechanism for c in analysis.themes}
    return [m.name for m in mechanisms if m.id not in found]


@main.command()
@store_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table")
@click.option("--all", "show_all", is_flag=True, help="Also themes that are not systemic.")
def themes(store_path, fmt, show_all) -> None:
    """Recurring root-cause themes, most systemic first."""
    from analytics.scores import theme_stats
    from analytics.store import load_coes

    conn = _open(store_path)
    analysis = _analysis(conn)
    rows = theme_stats(analysis, load_coes(conn))
    if fmt == "table" and not show_all:
        rows = [r for r in rows if r["systemic"]] or rows
    unmatched = _unmatched_mechanisms(analysis)
    if unmatched and fmt == "table":
        click.echo(
            f"{len(unmatched)} known mechanisms no two COEs state: " + "; ".join(unmatched),
            err=True,
        )
    click.echo(
        render(
            rows,
            fmt,
            ["id", "score", "coe_count", "trend", "label", "services", "first_seen", "last_seen"],
        )
        if fmt == "table"
        else render(rows, fmt)
    )


@main.command()
@store_option
@click.option(
    "--labels",
    "labels_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table")
def evaluate(store_path, labels_path, fmt) -> None:
    """ARI, NMI and purity of themes and action families; recall@5 and MRR of precedent search."""
    from analytics.evaluate import evaluate_clusters, load_labels

    conn = _open(store_path)
    analysis, labels = _analysis(conn), load_labels(labels_path)
    scores = evaluate_clusters(analysis, labels)
    click.echo(render([{"what": k, **v} for k, v in scores.items()], fmt))
    if labels.get("drafts"):
        from analytics.search import build_index, index_cache_path
        from analytics.search_quality import evaluate_search, load_drafts

        index = build_index(conn, analysis, cache=index_cache_path(conn))
        drafts = load_drafts(labels, labels_path.parent)
        truth = {c: e["theme"] for c, e in labels["coes"].items() if e.get("theme")}
        click.echo(render([{"what": "search", **evaluate_search(index, drafts, truth)}], fmt))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def lint(files: tuple[Path, ...], fmt: str) -> None:
    """Bar-raiser checks on COE documents; exit 1 when any finding is an error."""
    from analytics.ingest import iter_documents
    from analytics.lint import lint_coe, quality
    from analytics.parsers import ParseError, parse_path

    rows, failed = [], False
    for path in iter_documents(files):
        try:
            coes = parse_path(path)
        except ParseError as exc:
            click.echo(f"error: {exc}", err=True)
            failed = True
            continue
        raw = path.read_text(encoding="utf-8", errors="replace") if len(coes) == 1 else None
        for coe in coes:
            findings = lint_coe(coe, raw)
            failed |= any(f.severity == "error" for f in findings)
            scored = quality(coe, findings)
            rows.append(
                {
                    "file": str(path),
                    "coe": coe.id,
                    "score": scored.score,
                    "score_parts": [p.to_dict() for p in scored.parts],
                    "findings": [f.to_dict() for f in findings],
                }
            )
    if fmt == "json":
        click.echo(render(rows, "json"))
    else:
        flat = [
            {
                "where": f"{r['file']}:{f['line'] or ''}",
                "severity": f["severity"],
                "rule": f["rule"],
                "message": f["message"],
            }
            for r in rows
            for f in r["findings"]
        ]
        if flat:
            click.echo(render(flat, "table"))
        for r in rows:
            parts = ", ".join(f"{p['name']} {p['points']:g}/{p['max']}" for p in r["score_parts"])
            click.echo(
                f"{r['coe']}: quality {r['score']}/100 ({parts}), {len(r['findings'])} findings",
                err=True,
            )
    sys.exit(1 if failed else 0)


SAMPLE_CORPUS = Path(__file__).resolve().parents[1] / "data" / "sample" / "corpus"

host_option = click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to bind (loopback by default).",
)
port_option = click.option("--port", default=8050, show_default=True, type=int)


@main.command()
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("coegraph-demo.db"),
    show_default=True,
)
@click.option(
    "--embedder",
    type=click.Choice(["sentence-transformers", "tfidf"]),
    default="sentence-transformers",
    show_default=True,
)
@click.option(
    "--serve/--no-serve", default=True, help="--no-serve builds the demo store and stops."
)
@host_option
@port_option
def demo(store_path: Path, embedder: str, serve: bool, host: str, port: int) -> None:
    """Build the bundled sample corpus into a store (ingest + analyze) and serve the dashboard."""
    from analytics.analysis import load_analysis
    from analytics.analyze import Settings
    from analytics.analyze import analyze as run_analyze
    from analytics.ingest import ingest as run_ingest

    if not SAMPLE_CORPUS.is_dir():
        raise click.ClickException(
            f"the sample corpus is missing ({SAMPLE_CORPUS}); run from a clone of coegraph"
        )
    conn = _open(store_path)
    click.echo(f"demo: ingesting {SAMPLE_CORPUS} into {store_path}", err=True)
    results = run_ingest(conn, [SAMPLE_CORPUS], progress=True)
    changed = any(r.status != "unchanged" for r in results)
    previous = load_analysis(conn)
    if changed or previous is None or previous.settings.get("embedder") != embedder:
        click.echo(
            "demo: analysing (the first run embeds the sample with the model; later runs use the cache)",
            err=True,
        )
        run_analyze(conn, Settings(embedder=embedder), progress=True)
    else:
        click.echo("demo: store is up to date", err=True)
    conn.close()
    if serve:
        _serve(store_path, host, port)


@main.command()
@store_option
@host_option
@port_option
def dashboard(store_path: Path | None, host: str, port: int) -> None:
    """Serve the dashboard over the store's latest analysis."""
    store_path = store_path or default_store_path()
    _analysis(_open(store_path))
    _serve(store_path, host, port, production=True)


def _serve(store_path: Path, host: str, port: int, production: bool = False) -> None:
    from dashboard.app import serve

    click.echo(f"dashboard: http://{host}:{port}/  (Ctrl+C stops it)", err=True)
    serve(store_path, host=host, port=port, production=production)


@main.group()
def export() -> None:
    """Export analysis results for other tools."""


@export.command("graph")
@store_option
@click.option(
    "--format", "fmt", type=click.Choice(["graphml", "json"]), default="graphml", show_default=True
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_graph_cmd(store_path, fmt, out) -> None:
    """The COE graph (COEs, why chains, root causes, themes, actions, services, teams)."""
    from analytics.graph import build_graph, export_graph
    from analytics.store import load_coes

    conn = _open(store_path)
    graph = build_graph(_analysis(conn), load_coes(conn))
    export_graph(graph, out, fmt=fmt)
    click.echo(
        f"wrote {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges to {out}", err=True
    )


@main.command()
@store_option
@click.option(
    "--quarter",
    default=None,
    help="Quarter to review, e.g. 2026Q3 (default: the latest with COEs).",
)
@click.option("--since", default=None, help="First day (YYYY-MM-DD), instead of a quarter.")
@click.option("--until", default=None, help="Last day (YYYY-MM-DD), instead of a quarter.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md", "xlsx", "json"]),
    default=None,
    help="Default: from the --out file name.",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--today",
    default=None,
    help="Judge overdue actions as of this date (default: the period's last day, or today if earlier).",
)
@click.option("--redact-names", is_flag=True, help="Replace people's names with [engineer].")
def report(store_path, quarter, since, until, fmt, out, today, redact_names) -> None:
    """Quarterly ops review: headline, new/recurring/rising and systemic themes, follow-through."""
    from analytics.report import build_report, format_for, write_report
    from analytics.store import load_coes

    conn = _open(store_path)
    try:
        fmt = format_for(out, fmt)
        data = build_report(
            _analysis(conn),
            load_coes(conn),
            quarter=quarter,
            since=since,
            until=until,
            today=today,
            redact_names=redact_names,
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    write_report(data, out, fmt)
    click.echo(
        f"wrote {data['title']} ({data['headline'][0]['value']} COEs,"
        f" {len(data['systemic'])} systemic themes) to {out}",
        err=True,
    )


@export.command("clusters")
@store_option
@click.option(
    "--kind", type=click.Choice(["themes", "actions"]), default="themes", show_default=True
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "json"]),
    default=None,
    help="Default: from the --out file name.",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--redact-names", is_flag=True, help="Replace people's names with [engineer].")
def export_clusters_cmd(store_path, kind, fmt, out, redact_names) -> None:
    """Themes or action families with their members (COE, title, date, services, statement)."""
    from analytics.export import export_clusters
    from analytics.store import load_coes

    conn = _open(store_path)
    try:
        export_clusters(
            _analysis(conn),
            load_coes(conn),
            kind=kind,
            fmt=fmt,
            path=out,
            redact_names=redact_names,
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {kind} to {out}", err=True)


@main.command()
@store_option
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A draft COE in any supported format.",
)
@click.option("--text", default=None, help="Draft text (a summary and a few whys is enough).")
@click.option("--coe", "coe_id", default=None, help="A stored COE's id (never returned itself).")
@click.option("-k", "k", type=int, default=5, show_default=True)
@click.option("--service", default=None)
@click.option("--team", default=None)
@click.option("--since", default=None, help="YYYY-MM-DD")
@click.option("--until", default=None, help="YYYY-MM-DD")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def similar(store_path, file, text, coe_id, k, service, team, since, until, fmt) -> None:
    """Precedent COEs for a draft, best first, with why they match.

    Score 0-100: the weighted mean of the search signals, each 0 for the store's median COE
    and 100 for its best match to this draft. A running worker of the store (`coe analyze
    --keep-warm`) answers with its model and index in memory.
    """
    query = {
        "file": str(file.resolve()) if file else None,
        "text": text,
        "coe_id": coe_id,
        "k": k,
        "service": service,
        "team": team,
        "since": since,
        "until": until,
    }
    found = _similar_in_worker(store_path, query)
    if found is None:
        from analytics.parsers import ParseError
        from analytics.search import similar as find

        conn = _open(store_path)
        try:
            found = [p.to_dict() for p in find(conn, **query, analysis=_analysis(conn))]
        except (ValueError, ParseError) as exc:
            raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        click.echo(render(found, "json"))
        return
    for rank, p in enumerate(found, 1):
        t = p["theme"]
        theme = (
            f"  theme {t['id']} {t['label']}" + (" (shared)" if t["shared"] else "") if t else ""
        )
        click.echo(
            f"{rank}. {p['coe_id']}  {p['date'] or ''}  score {p['score']:.0f}/100  "
            f"{', '.join(p['services'])}{theme}"
        )
        click.echo(f"   {p['title']}")
        if p["terms"]:
            click.echo(f"   distinctive terms in both: {', '.join(p['terms'])}")
        for pair in p["pairs"][:3]:
            click.echo(f"   draft {pair['draft_kind']}: {pair['draft']}")
            click.echo(
                f"     ~ {pair['precedent_kind']} ({pair['similarity']:.2f}): {pair['precedent']}"
            )
        for action in p["actions"][:4]:
            click.echo(f"   action [{action['status'] or 'no status'}] {action['title']}")
        click.echo("")
    if not found:
        click.echo("no precedents found", err=True)


def _similar_in_worker(store_path, query: dict) -> list[dict] | None:
    """The precedents a running worker of the store found (None when none answered); a worker
    with nothing to search (no analysis, unreadable draft) says so as the command would."""
    from analytics import worker as warm

    path = Path(store_path or default_store_path())
    if not path.exists():
        return None  # the command's own checks say what is wrong with the store
    answer = warm.similar(path, query)
    if answer is None:
        return None
    if "error" in answer:
        raise click.ClickException(str(answer["error"]))
    return answer.get("precedents")


@main.command()
@store_option
@click.option("--stop", is_flag=True, help="Stop the store's worker.")
@click.option(
    "--idle",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds without a request before it exits (default 900).",
)
def worker(store_path, stop, idle) -> None:
    """The store's analysis worker (started by `coe analyze --keep-warm`)."""
    from analytics import worker as warm

    path = store_path or default_store_path()
    if stop:
        if not warm.stop(path):
            click.echo("no worker is running for this store", err=True)
        return
    if not warm.available():
        raise click.ClickException("the worker needs Unix sockets, which this system lacks")
    try:
        warm.serve(path, idle if idle is not None else warm.IDLE_SECONDS)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


if __name__ == "__main__":
    main()
