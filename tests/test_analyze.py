"""End to end: generated corpus -> ingest -> analyze -> themes / evaluate."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from analytics.analysis import load_analysis
from analytics.analyze import Settings, analyze
from analytics.cli import main
from analytics.evaluate import evaluate_clusters, load_labels
from analytics.ingest import ingest
from analytics.sample import generate_corpus
from analytics.store import open_store

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def tfidf_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    generate_corpus(200, 1, root)
    store = root / "s.db"
    conn = open_store(store)
    ingest(conn, [root / "corpus"])
    analyze(conn, Settings(embedder="tfidf"), log=lambda _: None)
    return root, store


def test_themes_cover_most_coes_and_span_services(tfidf_store):
    _, store = tfidf_store
    analysis = load_analysis(open_store(store))
    assert len(analysis.themes) >= 5
    assert all(len(t.coes) >= 2 for t in analysis.themes)
    themed = [c for c, t in analysis.coe_theme.items() if t]
    assert len(themed) > 0.6 * len(analysis.coe_theme)


def test_analysis_is_deterministic(tfidf_store):
    _, store = tfidf_store
    conn = open_store(store)
    first = load_analysis(conn)
    messages: list[str] = []
    kept = analyze(conn, Settings(embedder="tfidf"), log=messages.append)
    assert kept.run == first.run and any("nothing changed" in m for m in messages)
    second = analyze(conn, Settings(embedder="tfidf", full=True), log=lambda _: None)
    assert second.run == first.run + 1
    assert second.coe_theme == first.coe_theme
    assert [t.label for t in second.themes] == [t.label for t in first.themes]


@pytest.mark.slow
def test_the_store_keeps_the_last_runs_only(tmp_path):
    from analytics.analysis import KEEP_RUNS

    root = tmp_path / "c"
    generate_corpus(12, 2, root)
    conn = open_store(tmp_path / "s.db")
    ingest(conn, [root / "corpus"], progress=False)
    for _ in range(KEEP_RUNS + 2):
        last = analyze(conn, Settings(embedder="tfidf", full=True), log=lambda _: None)
    runs = [r for (r,) in conn.execute("SELECT run FROM analyses ORDER BY run")]
    assert runs == list(range(last.run - KEEP_RUNS + 1, last.run + 1))
    assert load_analysis(conn).run == last.run


def test_themes_command_json_lists_members(tfidf_store):
    _, store = tfidf_store
    result = CliRunner().invoke(main, ["themes", "--store", str(store), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows and {"id", "label", "keywords", "coes", "services", "quarters"} <= rows[0].keys()
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)


def test_evaluate_command_prints_ari_for_themes_and_actions(tfidf_store):
    root, store = tfidf_store
    result = CliRunner().invoke(
        main,
        [
            "evaluate",
            "--store",
            str(store),
            "--labels",
            str(root / "labels.json"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = {r["what"]: r for r in json.loads(result.output)}
    assert set(rows) >= {"themes", "actions"}
    assert 0 < rows["themes"]["nmi"] <= 1


def test_commands_without_analysis_say_what_to_do(tmp_path):
    result = CliRunner().invoke(main, ["themes", "--store", str(tmp_path / "empty.db")])
    assert result.exit_code != 0
    assert "coe analyze" in result.output


@pytest.mark.slow
def test_real_model_themes_on_the_demo_sample(tmp_path):
    """The default model recovers the sample's themes, and a second run embeds nothing."""
    shutil.copytree(SAMPLE / "corpus", tmp_path / "corpus")
    conn = open_store(tmp_path / "s.db")
    ingest(conn, [tmp_path / "corpus"])
    messages: list[str] = []
    analysis = analyze(conn, Settings(), log=messages.append)
    labels = load_labels(SAMPLE / "labels.json")
    scores = evaluate_clusters(analysis, labels)
    assert scores["themes"]["ari"] >= 0.85, scores
    assert scores["actions"]["ari"] >= 0.8, scores
    # The main cluster of every planted systemic theme ranks above every cluster of one-offs.
    result = CliRunner().invoke(
        main, ["themes", "--store", str(tmp_path / "s.db"), "--format", "json", "--all"]
    )
    assert result.exit_code == 0, result.output
    truth = {c: v["theme"] for c, v in labels["coes"].items()}
    sizes = Counter(truth.values())
    planted, one_offs = [], []
    for rank, row in enumerate(json.loads(result.output)):
        theme, n = Counter(truth[c] for c in row["coes"]).most_common(1)[0]
        if sum(truth[c].startswith("oneoff-") for c in row["coes"]) > len(row["coes"]) / 2:
            one_offs.append(rank)
        elif labels["themes"][theme]["systemic"] and n >= sizes[theme] / 2:
            planted.append(rank)
    systemic = [t for t, v in labels["themes"].items() if v["systemic"]]
    assert len(planted) == len(systemic)
    assert not one_offs or max(planted) < min(one_offs), (planted, one_offs)
    messages.clear()
    analyze(conn, Settings(full=True), log=messages.append)  # re-clusters from the cache
    assert any("embedded 0 new texts" in m for m in messages), messages


def test_a_few_new_coes_join_the_existing_clusters(generated_store):
    docs, conn = generated_store(105, 3, 100)
    first = analyze(conn, Settings(embedder="tfidf"), log=lambda _: None)
    ingest(conn, docs[100:])
    messages: list[str] = []
    second = analyze(conn, Settings(embedder="tfidf"), log=messages.append)
    assert any("joined the clusters of run" in m for m in messages), messages
    # Every earlier theme stays; a mechanism the new COEs make recurring may join them.
    assert {t.id for t in first.themes} <= {t.id for t in second.themes}
    assert all(t.mechanism for t in second.themes if t.id not in {f.id for f in first.themes})
    old = first.statement_by_id
    assert all(s.cluster == old[s.id].cluster for s in second.statements if s.id in old)
    new = [s for s in second.statements if s.id not in old]
    assert new and any(s.cluster for s in new)
    families = [(s.coe, s.cluster) for s in second.statements if s.kind == "action" and s.cluster]
    assert len(families) == len(set(families))  # no COE has two actions in one family
    messages.clear()
    analyze(conn, Settings(embedder="tfidf", full=True), log=messages.append)
    assert not any("joined" in m for m in messages)


def test_an_extended_map_keeps_its_points_and_places_new_ones_on_its_axes():
    import numpy as np

    from analytics.analysis import ROOT_CAUSE, Analysis, Statement
    from analytics.analyze import map_2d

    vectors = np.random.default_rng(0).standard_normal((6, 8)).astype(np.float32)
    statements = [Statement(f"C{i}#rc0", f"C{i}", ROOT_CAUSE, "0", "t", "t") for i in range(6)]
    coords, axes = map_2d(statements[:5], vectors, statements)
    previous = Analysis(1, "", {"map_axes": axes}, (), (), (), (), coords=coords)
    extended, kept_axes = map_2d(statements, vectors, statements, previous)
    assert kept_axes == axes
    assert {k: extended[k] for k in coords} == coords
    expected = (vectors[5] - np.asarray(axes["mean"])) @ np.asarray(axes["components"]).T
    assert extended["C5#rc0"] == pytest.approx(tuple(expected), abs=1e-3)
    # Vectors of another size (another model) are mapped afresh.
    wider = np.hstack([vectors, vectors])
    fresh, new_axes = map_2d(statements, wider, statements, previous)
    assert len(new_axes["mean"]) == 16 and fresh != extended


def test_write_ups_without_why_chains_are_extended_and_kept(tmp_path):
    # Real postmortems often have no why chain: no why-step clusters, which must not force a
    # full re-clustering (or a copy of the run) every time.
    docs = tmp_path / "docs"
    docs.mkdir()
    causes = [
        "the certificate expired because renewal was manual",
        "a config push skipped validation",
        "the retry storm had no backoff",
    ]
    for i in range(31):
        (docs / f"pm{i:02d}.md").write_text(
            f"# PM-{i:03d}: incident {i}\n\n## Summary\nSomething broke.\n\n"
            f"## Root cause\n{causes[i % 3]} ({i}).\n\n"
            f"## Action items\n- Automate step {i % 3} (owner: ops, due 2025-04-01)\n",
            encoding="utf-8",
        )
    conn = open_store(tmp_path / "s.db")
    paths = sorted(docs.iterdir())
    ingest(conn, paths[:30], progress=False)
    first = analyze(conn, Settings(embedder="tfidf"), log=lambda _: None)
    assert first.statements and not first.why_clusters
    messages: list[str] = []
    assert analyze(conn, Settings(embedder="tfidf"), log=messages.append).run == first.run
    assert any("nothing changed" in m for m in messages), messages
    ingest(conn, paths[30:], progress=False)
    messages.clear()
    analyze(conn, Settings(embedder="tfidf"), log=messages.append)
    assert any("new statements joined the clusters" in m for m in messages), messages


@pytest.mark.slow
def test_a_changed_title_makes_a_new_run_and_kmeans_runs_are_reclustered(tmp_path, generated_store):
    docs, conn = generated_store(41, 6, 40)
    first = analyze(conn, Settings(embedder="tfidf"), log=lambda _: None)
    # A new title changes no statement, but what the dashboard and search show.
    text = docs[0].read_text(encoding="utf-8")
    docs[0].write_text(text.replace("\n", " (revised)\n", 1), encoding="utf-8")
    ingest(conn, [docs[0]], progress=False)
    messages: list[str] = []
    second = analyze(conn, Settings(embedder="tfidf"), log=messages.append)
    assert second.run == first.run + 1, messages
    assert not any("nothing changed" in m for m in messages)
    # k-means records no distance cut: a run after one more COE clusters afresh, not extends.
    kmeans = Settings(embedder="tfidf", clusterer="kmeans")
    analyze(conn, kmeans, log=lambda _: None)
    # A new COE of known services (a copy under a new id): no other COE's masks change.
    copy = tmp_path / "copy.md"
    copy.write_text(re.sub(r"COE-\d{4}-\d{4}", "COE-2099-0001", text, count=1), "utf-8")
    ingest(conn, [copy], progress=False)
    messages.clear()
    third = analyze(conn, kmeans, log=messages.append)
    assert not any("joined the clusters" in m for m in messages), messages
    assert third.themes
