"""The failure-mechanism taxonomy, matching causes to it, and themes built from both."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.analysis import ROOT_CAUSE, Statement
from analytics.mechanisms import (
    TaxonomyError,
    cue_counts,
    load_taxonomy,
    match,
    taxonomy_digest,
)
from analytics.themes import find_themes, one_line


def test_the_shipped_taxonomy_covers_the_mechanisms_of_operations_incidents():
    mechanisms = load_taxonomy()
    ids = {m.id for m in mechanisms}
    assert len(ids) == len(mechanisms) >= 30
    for expected in (
        "config-push",
        "code-defect",
        "capacity-planning",
        "provider-quota",
        "cert-expiry",
        "time-handling",
        "dependency-failure",
        "retry-storm",
        "cache-stampede",
        "backup-restore",
        "failover-untested",
        "disk-full",
        "memory-leak",
        "hardware-failure",
        "network-failure",
        "alarm-gap",
        "security-compromise",
    ):
        assert expected in ids
    for m in mechanisms:
        assert m.name and m.description and m.cues and m.examples, m.id
        # Every mechanism's own examples carry at least one of its cues.
        assert all(cue_counts([m], e)[0] >= 1 for e in m.examples), m.id


def test_a_users_file_extends_or_replaces_the_taxonomy(tmp_path):
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "extends: default\nmechanisms:\n"
        "  - id: cert-expiry\n    name: Our own certificate name\n    cues: [cert]\n"
        "  - id: pager-fatigue\n    name: Pager fatigue\n    cues: [pager]\n",
        encoding="utf-8",
    )
    extended = {m.id: m for m in load_taxonomy(extra)}
    assert extended["cert-expiry"].name == "Our own certificate name"
    assert "pager-fatigue" in extended and "retry-storm" in extended
    alone = tmp_path / "alone.yaml"
    alone.write_text(extra.read_text().replace("extends: default\n", ""), encoding="utf-8")
    assert [m.id for m in load_taxonomy(alone)] == ["cert-expiry", "pager-fatigue"]
    assert taxonomy_digest(load_taxonomy(alone)) != taxonomy_digest(load_taxonomy())


@pytest.mark.parametrize(
    "text, problem",
    [
        ("mechanisms: 3\n", "a top-level 'mechanisms' list"),
        ("mechanisms:\n  - name: no id\n", "needs an 'id'"),
        ("mechanisms:\n  - id: Bad Id\n    name: x\n", "lower-case"),
        ("mechanisms:\n  - id: a\n    name: x\n    cues: ['(']\n", "not a valid expression"),
        ("mechanisms:\n  - id: a\n    name: x\n  - id: a\n    name: y\n", "appears twice"),
        ("extends: defaults\nmechanisms: []\n", "can only be 'default'"),
    ],
)
def test_a_bad_taxonomy_file_is_named_with_its_problem(tmp_path, text, problem):
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=problem) as err:
        load_taxonomy(path)
    assert str(path) in str(err.value)


def _unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


MECHANISMS = load_taxonomy()
IDS = [m.id for m in MECHANISMS]


def _protos(**near):
    """Prototype vectors: one axis per mechanism named in ``near``, the rest on a far axis."""
    dims = len(near) + 1
    out = np.zeros((len(MECHANISMS), dims), np.float32)
    out[:, -1] = 1
    for k, mid in enumerate(near):
        out[IDS.index(mid)] = _unit(*[1.0 if j == k else 0.0 for j in range(dims)])
    return out


def test_two_cues_match_a_mechanism_without_the_embedding():
    protos = _protos(**{"retry-storm": 0})
    vectors = np.array([_unit(1, 0)])  # nearest to retry-storm's prototype
    text = ["The TLS certificate expired because nobody renewed it."]
    assert IDS[match(MECHANISMS, text, vectors, protos)] == "cert-expiry"


def test_one_cue_needs_the_embeddings_first_choice():
    text = ["Clients hammered the service again and again."]  # no cue of any mechanism
    assert match(MECHANISMS, text, np.array([_unit(1, 0)]), _protos(**{"retry-storm": 0})) is None
    one_cue = ["The clients kept retrying."]
    near_retry = _protos(**{"retry-storm": 0})
    assert IDS[match(MECHANISMS, one_cue, np.array([_unit(1, 0)]), near_retry)] == "retry-storm"
    near_cache = _protos(**{"cache-stampede": 0})
    assert match(MECHANISMS, one_cue, np.array([_unit(1, 0)]), near_cache) is None


def test_a_generic_gap_is_the_theme_only_when_nothing_specific_is_stated():
    protos = _protos(**{"alarm-gap": 0})
    vectors = np.array([_unit(1, 0)])
    gap_only = ["No alarm covered the endpoint, so the outage was detected late by customers."]
    assert IDS[match(MECHANISMS, gap_only, vectors, protos)] == "alarm-gap"
    with_cert = gap_only + ["The TLS certificate expired; its renewal was manual."]
    assert IDS[match(MECHANISMS, with_cert, vectors, protos)] == "cert-expiry"


def _statement(coe, text):
    return Statement(f"{coe}#rc0", coe, ROOT_CAUSE, "0", text, text.lower())


def test_themes_are_known_mechanisms_first_then_discovered_ones():
    statements = [
        _statement("C1", "cert expired"),
        _statement("C2", "certificate lapsed"),
        _statement("C3", "memory leak"),  # a known mechanism stated once: a one-off
        _statement("C4", "the widget frobnicated"),
        _statement("C5", "the widget frobnicated again"),
        _statement("C6", "something else entirely"),
    ]
    profiles = np.array([_unit(1, 0, 0), _unit(1, 0.1, 0), _unit(0, 0, 1)] + [_unit(0, 1, 0)] * 3)
    matched = {"C1": "cert-expiry", "C2": "cert-expiry", "C3": "memory-leak"}
    seen = {}

    def discover(free, block):
        seen["free"] = [s.coe for s in free]
        return {"C4#rc0": 0, "C5#rc0": 0}

    protos = np.zeros((len(MECHANISMS), 3), np.float32)  # no prototype is near anything
    themes, members = find_themes(statements, profiles, matched, MECHANISMS, protos, discover)
    assert seen["free"] == ["C4", "C5", "C6"]
    by_id = {t.id: t for t in themes}
    assert set(by_id) == {"T-cert-expiry", "T01"}
    assert by_id["T-cert-expiry"].mechanism == "cert-expiry"
    assert by_id["T-cert-expiry"].label == MECHANISMS[IDS.index("cert-expiry")].name
    assert by_id["T-cert-expiry"].coes == ("C1", "C2")
    assert by_id["T01"].mechanism is None and by_id["T01"].coes == ("C4", "C5")
    assert by_id["T01"].label.startswith("the widget frobnicated")
    assert "C3#rc0" not in members and "C6#rc0" not in members


def test_a_discovered_cluster_that_states_a_mechanism_together_joins_it():
    statements = [
        _statement("C1", "Retries had no backoff."),
        _statement("C2", "Clients retried immediately, a storm."),
        _statement("C3", "The job kept retrying."),
        _statement("C4", "Every caller retried at once, with no backoff."),
    ]
    profiles = np.array([_unit(1, 0)] * 4)
    protos = np.zeros((len(MECHANISMS), 2), np.float32)
    themes, _ = find_themes(
        statements,
        profiles,
        {"C1": "retry-storm", "C2": "retry-storm"},
        MECHANISMS,
        protos,
        lambda free, block: {"C3#rc0": 0, "C4#rc0": 0},
    )
    assert [(t.id, t.coes) for t in themes] == [("T-retry-storm", ("C1", "C2", "C3", "C4"))]


def test_a_theme_name_is_one_line_cut_at_a_word():
    assert one_line("a\nb  c") == "a b c"
    name = one_line("word " * 40)
    assert len(name) <= 90 and name.endswith("…") and "  " not in name


def test_the_middle_of_a_why_chain_names_specific_mechanisms_not_generic_gaps():
    protos = _protos(**{"alarm-gap": 0})
    vectors = np.array([_unit(1, 0)])
    leaf = ["Nobody wrote the requirement down, and no alarm watched it."]
    chain = ["The config change was pushed to every host at once, with no canary stage."]
    assert IDS[match(MECHANISMS, leaf, vectors, protos)] == "alarm-gap"
    assert IDS[match(MECHANISMS, leaf, vectors, protos, chain=chain)] == "config-push"
    # A generic gap stated only midway is no evidence: the chain's middle mentions one often.
    assert match(MECHANISMS, ["It broke."], vectors, protos, chain=leaf) is None


def test_cues_read_in_bulk_across_processes_are_the_ones_read_one_by_one(monkeypatch):
    from analytics import mechanisms

    ms = load_taxonomy()
    texts = [
        f"{i}: the TLS certificate expired and the retry storm filled the disk" * (i % 3)
        for i in range(60)
    ]
    monkeypatch.setattr(mechanisms, "PARALLEL_TEXTS", 10)
    monkeypatch.setattr(mechanisms, "_CHUNK", 20)
    monkeypatch.setattr("joblib.cpu_count", lambda **_: 2)
    one_by_one = mechanisms._hits

    def not_here(*_):
        raise AssertionError("read in this process, not by the pool")

    monkeypatch.setattr(mechanisms, "_hits", not_here)
    bulk: dict = {}
    mechanisms.read_cues(ms, texts, bulk)
    monkeypatch.setattr(mechanisms, "_hits", one_by_one)
    assert set(bulk) == set(texts)
    for text in texts:
        assert bulk[text].dtype == bool
        assert (bulk[text] == mechanisms._hits(ms, text)).all()
    assert any(bulk[t].any() for t in texts) and not bulk[texts[0]].any()
