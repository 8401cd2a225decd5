"""Precedent search on a small generated store (TF-IDF embedder), plus one real-model run."""

from __future__ import annotations

import json
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from analytics.analysis import load_analysis
from analytics.analyze import Settings, analyze
from analytics.bm25 import BM25
from analytics.ingest import ingest
from analytics.masking import entity_pattern
from analytics.record import COE, Source, Why
from analytics.sample import generate_corpus
from analytics.search import (
    BASELINES,
    PrecedentIndex,
    build_index,
    draft_statements,
    similar,
)
from analytics.search_quality import evaluate_search, load_drafts
from analytics.store import load_coes, open_store


def _corpus(root: Path, n: int, seed: int, n_drafts: int, embedder: str):
    corpus = root / "corpus"
    labels = generate_corpus(n, seed, corpus, n_drafts=n_drafts)
    conn = open_store(root / "store.db")
    ingest(conn, [corpus / e["file"] for e in labels["coes"].values()])
    analyze(conn, Settings(embedder=embedder), log=lambda _: None)
    return conn, labels, corpus


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    conn, labels, corpus = _corpus(tmp_path_factory.mktemp("search"), 90, 4, 8, "tfidf")
    index = build_index(conn, load_analysis(conn))
    truth = {c: e["theme"] for c, e in labels["coes"].items()}
    return {
        "conn": conn,
        "index": index,
        "labels": labels,
        "truth": truth,
        "drafts": load_drafts(labels, corpus),
        "coes": {c.id: c for c in load_coes(conn)},
    }


def test_drafts_find_same_theme_precedents(world):
    scores = evaluate_search(world["index"], world["drafts"], world["truth"])
    assert scores["n"] == len(world["labels"]["drafts"]) > 0
    assert scores["recall@5"] >= 0.75
    draft, theme = world["drafts"][0]
    found = world["index"].search(draft, 5)
    assert len(found) == 5
    assert [p.score for p in found] == sorted((p.score for p in found), reverse=True)
    assert theme in {world["truth"][p.coe_id] for p in found}


def test_evaluate_search_counts_hits_and_misses(world):
    index, drafts = world["index"], world["drafts"][:3]
    everything = {c: "t" for c in world["coes"]}
    assert evaluate_search(index, [(d, "t") for d, _ in drafts], everything) == {
        "recall@5": 1.0,
        "mrr": 1.0,
        "precision@5": 1.0,
        "n": 3,
    }
    nothing = evaluate_search(index, [(d, "absent") for d, _ in drafts], everything)
    assert nothing["recall@5"] == nothing["mrr"] == nothing["precision@5"] == 0.0


def test_a_coe_never_returns_itself(world):
    index = world["index"]
    for coe in list(world["coes"].values())[:15]:
        found = index.search(coe, 10)
        assert coe.id not in [p.coe_id for p in found]
        # the same content under another id is excluded when asked for
        twin = replace(coe, id="DRAFT-TWIN")
        assert coe.id not in [p.coe_id for p in index.search(twin, 10, exclude_id=coe.id)]
    # the same content under another id (a stored document pasted as a draft) is the draft
    # itself, never its own precedent
    twin = replace(coe, id="DRAFT-TWIN")
    assert coe.id not in [p.coe_id for p in index.search(twin, 10)]
    # an edited copy is another document: it finds the original first
    edited = replace(
        coe, id="DRAFT-EDIT", title=coe.title + " (again)", source=Source("<draft>", "md", "")
    )
    assert index.search(edited, 1)[0].coe_id == coe.id


def test_filters(world):
    index, coes = world["index"], world["coes"]
    draft = world["drafts"][0][0]
    service = max(
        {s for c in coes.values() for s in c.services},
        key=lambda s: sum(s in c.services for c in coes.values()),
    )
    found = index.search(draft, 5, service=service)
    assert found and all(service in p.services for p in found)
    assert index.search(draft, 5, service=service.upper().replace("-", " "))[0].coe_id == (
        found[0].coe_id
    )
    team = next(c.team for c in coes.values() if c.team)
    assert all(p.team == team for p in index.search(draft, 5, team=team))
    dates = sorted(c.date for c in coes.values() if c.date)
    since, until = dates[len(dates) // 4], dates[len(dates) // 2]
    ranged = index.search(draft, 50, since=since, until=until)
    assert ranged and all(since <= p.date <= until for p in ranged)
    assert len(ranged) == sum(since <= d <= until for d in dates) or len(ranged) == 50
    assert index.search(draft, 5, service="no-such-service") == []


def test_explanation_has_matched_pairs_and_actions(world):
    draft = world["drafts"][1][0]
    precedent = world["index"].search(draft, 3)[0]
    stored = world["coes"][precedent.coe_id]
    assert precedent.pairs
    draft_texts = {*draft.root_causes, *(w.answer for w in draft.whys)}
    precedent_texts = {*stored.root_causes, *(w.answer for w in stored.whys)}
    for pair in precedent.pairs:
        assert pair.draft in draft_texts
        assert pair.precedent in precedent_texts
        assert -1.0 <= pair.similarity <= 1.0001
    sims = [p.similarity for p in precedent.pairs]
    assert sims == sorted(sims, reverse=True)
    assert precedent.actions == stored.actions
    data = json.loads(json.dumps(precedent.to_dict()))
    assert data["coe_id"] == precedent.coe_id and data["pairs"][0]["precedent"]
    assert data["theme"] is None or {"id", "label", "shared"} <= set(data["theme"])


def test_plain_text_draft(world):
    draft, theme = world["drafts"][2]
    sentences = " ".join(w.answer for w in draft.whys)
    found = world["index"].search(sentences, 5)
    assert len(found) == 5
    assert theme in {world["truth"][p.coe_id] for p in found}


def test_draft_statements_are_masked_with_corpus_names():
    pattern = entity_pattern(["payments-api", "billing-team"])
    draft = COE(
        "D-1",
        "Outage",
        whys=(Why("1", None, None, "Payments API in us-east-1 ran out of memory"),),
        root_causes=("billing-team skipped the load test",),
    )
    masked = {s.masked for s in draft_statements(draft, pattern)}
    assert masked == {
        "the service in the region ran out of memory",
        "the service skipped the load test",
    }


def test_similar_by_id_and_save_load_round_trip(world, tmp_path):
    conn, index = world["conn"], world["index"]
    coe_id = world["drafts"][0][0].id
    first = next(iter(world["coes"]))
    by_id = similar(conn, coe_id=first, k=4, embedder=index.embedder)
    assert len(by_id) == 4 and first not in [p.coe_id for p in by_id]
    with pytest.raises(ValueError, match="exactly one"):
        similar(conn, coe_id=first, text="x")
    with pytest.raises(ValueError, match="no COE"):
        similar(conn, coe_id=coe_id + "-missing")
    path = tmp_path / "index.npz"
    index.save(path)
    loaded = PrecedentIndex.load(path, index.embedder)
    draft = world["drafts"][0][0]
    assert [p.to_dict() for p in loaded.search(draft, 5)] == [
        p.to_dict() for p in index.search(draft, 5)
    ]
    # saving again replaces the file instead of rewriting the one the loaded index maps
    inode = path.stat().st_ino
    index.save(path)
    assert path.stat().st_ino != inode and list(tmp_path.iterdir()) == [path]
    assert loaded.search(draft, 5)


class _RecordingModel:
    """Stands in for a model embedder (it has a ``cache_key``) and records what it embeds."""

    cache_key = "test:recording"

    def __init__(self):
        self.calls: list[list[str]] = []

    def transform(self, texts, *, progress=False):
        self.calls.append(list(texts))
        rows = [np.random.default_rng(zlib.crc32(t.encode())).normal(size=16) for t in texts]
        matrix = np.array(rows, np.float32).reshape(len(texts), 16)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def test_stored_coe_is_searched_from_cached_vectors(world):
    conn, model = world["conn"], _RecordingModel()
    index = build_index(conn, load_analysis(conn), model)  # caches every stored text's vector
    assert model.calls
    stored = next(iter(world["coes"].values()))
    model.calls.clear()
    # from other threads too (the dashboard's): each query reads the cache on its own connection
    with ThreadPoolExecutor(2) as pool:
        found = list(pool.map(lambda c: index.search(c, 3), list(world["coes"].values())[:4]))
    assert all(len(f) == 3 for f in found)
    assert model.calls == []
    assert [p.coe_id for p in similar(conn, coe_id=stored.id, k=3, embedder=model)] == [
        p.coe_id for p in index.search(stored, 3)
    ]
    assert model.calls == []
    # a new draft is embedded, and its one-off vectors are not added to the store's cache
    cached = conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()
    assert index.search("The disk filled up because nobody rotated the logs.", 3)
    assert model.calls
    assert conn.execute("SELECT COUNT(*) FROM embeddings").fetchone() == cached


def test_two_stage_ranking_scores_candidates_exactly(world):
    index = world["index"]
    staged = PrecedentIndex(index.parts, index.embedder, candidates=25, sample=15)
    assert len(staged) > staged.candidates + len(staged.sample)  # the two-stage path runs
    for draft, _ in world["drafts"]:
        exact = {p.coe_id: p.signals for p in index.search(draft, len(index))}
        for p in staged.search(draft, 5):
            assert p.signals == exact[p.coe_id]
    scores = evaluate_search(staged, world["drafts"], world["truth"])
    assert scores["recall@5"] >= 0.75


def test_baselines_rank_with_one_signal(world):
    draft = world["drafts"][0][0]
    only_bm25 = world["index"].search(draft, 5, weights=BASELINES["bm25"])
    lexical = [p.signals.bm25 for p in only_bm25]
    assert lexical == sorted(lexical, reverse=True)
    assert lexical[0] > 0


def test_bm25_prefers_documents_with_query_terms():
    bm25 = BM25().fit(["tls certificate expired", "disk full", "certificate renewal job missing"])
    scores = bm25.score("certificate expired")
    assert scores[0] > scores[2] > scores[1] == 0
    assert not bm25.score("nothing matches here").any()
    again = BM25.from_arrays(bm25.to_arrays())
    assert np.allclose(again.score("certificate expired"), scores)
    with pytest.raises(ValueError, match="invalid b"):
        BM25(b=2).fit(["x"])


@pytest.mark.slow
def test_real_model_recall(tmp_path):
    conn, labels, corpus = _corpus(tmp_path, 200, 7, 20, "sentence-transformers")
    index = build_index(conn, load_analysis(conn))
    truth = {c: e["theme"] for c, e in labels["coes"].items()}
    scores = evaluate_search(index, load_drafts(labels, corpus), truth)
    assert scores["recall@5"] >= 0.9
    assert scores["mrr"] >= 0.75


def test_a_stored_document_pasted_as_text_is_not_its_own_precedent(world):
    conn, index = world["conn"], world["index"]
    coe_id, path = conn.execute("SELECT id, path FROM coes ORDER BY id LIMIT 1").fetchone()
    text = Path(path).read_text(encoding="utf-8")
    found = index.search(text, 10)
    assert found and coe_id not in [p.coe_id for p in found]


def test_scores_are_0_to_100_and_say_why(world):
    coe = next(c for c in world["coes"].values() if c.whys)
    found = world["index"].search(coe, 5)
    assert all(0 <= p.score <= 100 for p in found)
    assert found[0].reasons and found[0].terms
    # a stored COE shares its own theme with the precedents of that theme
    theme = world["index"].parts["theme_of"][world["index"].position[coe.id]]
    for p in found:
        same = world["index"].parts["theme_of"][world["index"].position[p.coe_id]] == theme
        assert p.theme is None or p.theme.shared == (same and theme >= 0)


def test_passages_cut_long_documents_at_sentence_ends():
    from analytics.search_text import passages

    text = " ".join(f"Sentence number {i} says something." for i in range(100))
    cut = passages(text, words=50)
    assert len(cut) > 5 and all(len(p.split()) <= 50 for p in cut)
    assert all(p.endswith(".") for p in cut)
    assert " ".join(cut) == text
