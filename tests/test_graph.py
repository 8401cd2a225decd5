"""The COE graph: schema, chains with branches, action links, export round trips."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from analytics import graph_schema as gs
from analytics.analysis import Analysis, Cluster, Statement
from analytics.graph import build_graph, cited, export_graph, graphml_safe, read_graph
from analytics.record import COE, Action, Why


def _why(i: str, parent: str | None, answer: str = "") -> Why:
    return Why(i, parent, f"Why {i}?", answer or f"answer {i}")


def _analysis(statements=(), themes=(), families=(), coe_theme=None) -> Analysis:
    return Analysis(
        0, "", {}, tuple(statements), tuple(themes), tuple(families), (), coe_theme or {}
    )


def _cluster(cid: str, kind: str, coes=("C1",), keywords=("cert", "expiry")) -> Cluster:
    return Cluster(cid, kind, f"label {cid}", keywords, "rep", ("x",), coes)


BRANCHED = COE(
    "C1",
    "TLS outage",
    services=("edge-proxy", "payments-api"),
    team="storage",
    severity="Sev2",
    date="2025-03-04",
    whys=(
        _why("1", None),
        _why("2", "1"),
        _why("3a", "2"),
        _why("3b", "2"),
        _why("4", "3b"),
    ),
    root_causes=("no expiry monitoring", "manual renewal"),
    actions=(
        Action("AI-1", "Alarm 30 days before expiry (why 4)", "P1", "sre", "2025-04-01", "open"),
        Action(None, "Automate renewal, see root cause 2 and why 9"),
    ),
    related=("C2", "C-missing"),
)
OTHER = COE("C2", "Earlier outage", date="2025-01-01", services=("edge-proxy",))


def _built() -> nx.DiGraph:
    statements = [
        Statement("C1#rc0", "C1", "root_cause", "0", "no expiry monitoring", "m", "T01"),
        Statement("C1#rc1", "C1", "root_cause", "1", "manual renewal", "m", None),
        Statement("C1#why4", "C1", "why", "4", "answer 4", "m", "W02"),
        Statement("C1#act0", "C1", "action", "0", "Alarm", "m", "A01"),
    ]
    analysis = _analysis(
        statements,
        themes=[_cluster("T01", "root_cause")],
        families=[_cluster("A01", "action")],
        coe_theme={"C1": "T01"},
    )
    return build_graph(analysis, [OTHER, BRANCHED])


def _edges(G: nx.DiGraph, kind: str) -> set[tuple[str, str]]:
    return {(u, v) for u, v, k in G.edges(data=gs.KIND) if k == kind}


def test_node_ids_follow_the_schema() -> None:
    G = _built()
    assert "coe:C1" in G and "why:C1#why3a" in G and "rc:C1#rc1" in G
    assert "action:C1#act0" in G and "theme:T01" in G and "family:A01" in G
    assert "service:payments-api" in G and "team:storage" in G
    assert all(gs.node_kind(n) == k for n, k in G.nodes(data=gs.KIND))
    assert {k for _, _, k in G.edges(data=gs.KIND)} <= set(gs.EDGE_KINDS)


def test_why_chain_keeps_branches_and_leaves_lead_to_every_root_cause() -> None:
    G = _built()
    assert _edges(G, gs.FIRST_WHY) == {("coe:C1", "why:C1#why1")}
    assert _edges(G, gs.DEEPENS) == {
        ("why:C1#why1", "why:C1#why2"),
        ("why:C1#why2", "why:C1#why3a"),
        ("why:C1#why2", "why:C1#why3b"),
        ("why:C1#why3b", "why:C1#why4"),
    }
    leaves = {"why:C1#why3a", "why:C1#why4"}
    assert _edges(G, gs.LEADS_TO) == {(w, rc) for w in leaves for rc in ("rc:C1#rc0", "rc:C1#rc1")}
    assert G.nodes["why:C1#why3b"][gs.PARENT] == "2"
    assert gs.PARENT not in G.nodes["why:C1#why1"]


def test_clusters_become_theme_and_family_edges() -> None:
    G = _built()
    assert _edges(G, gs.IN_THEME) == {("rc:C1#rc0", "theme:T01")}
    assert _edges(G, gs.IN_FAMILY) == {("action:C1#act0", "family:A01")}
    assert _edges(G, gs.REMEDIES) == {
        ("action:C1#act0", "theme:T01"),
        ("action:C1#act1", "theme:T01"),
    }
    assert G.nodes["coe:C1"][gs.THEME_ID] == "T01"
    assert G.nodes["why:C1#why4"][gs.CLUSTER] == "W02"
    assert G.nodes["theme:T01"][gs.KEYWORDS] == ["cert", "expiry"]


def test_actions_address_the_whys_and_root_causes_they_cite() -> None:
    G = _built()
    assert _edges(G, gs.ADDRESSES) == {
        ("action:C1#act0", "why:C1#why4"),
        ("action:C1#act1", "rc:C1#rc1"),  # "why 9" does not exist and is ignored
    }


def test_services_teams_and_only_present_related_coes() -> None:
    G = _built()
    assert _edges(G, gs.AFFECTS) == {
        ("coe:C1", "service:edge-proxy"),
        ("coe:C1", "service:payments-api"),
        ("coe:C2", "service:edge-proxy"),
    }
    assert _edges(G, gs.OWNED_BY) == {("coe:C1", "team:storage")}
    assert _edges(G, gs.RELATED) == {("coe:C1", "coe:C2")}
    assert "coe:C-missing" not in G


def test_absent_values_are_absent_attributes() -> None:
    G = _built()
    assert gs.SEVERITY not in G.nodes["coe:C2"] and gs.THEME_ID not in G.nodes["coe:C2"]
    assert gs.OWNER not in G.nodes["action:C1#act1"]
    assert gs.CLUSTER not in G.nodes["rc:C1#rc1"]
    assert all(v is not None for _, d in G.nodes(data=True) for v in d.values())


def test_why_with_unknown_parent_is_a_first_why_and_coe_without_whys_keeps_its_root_causes() -> (
    None
):
    coes = [
        COE("C1", "", whys=(_why("1", None), _why("2", "7")), root_causes=("r",)),
        COE("C2", "", root_causes=("only a root cause",)),
    ]
    G = build_graph(None, coes)
    assert _edges(G, gs.FIRST_WHY) == {("coe:C1", "why:C1#why1"), ("coe:C1", "why:C1#why2")}
    assert _edges(G, gs.HAS_ROOT_CAUSE) == {("coe:C1", "rc:C1#rc0"), ("coe:C2", "rc:C2#rc0")}
    assert not _edges(G, gs.IN_THEME)


def test_cited_reads_common_citation_forms() -> None:
    whys = {"1", "2", "3", "3a", "4"}
    assert cited("Fix whys 2, 3 & 4", whys, 0) == [("why", "2"), ("why", "3"), ("why", "4")]
    assert cited("Addresses Why #3A", whys, 0) == [("why", "3a")]
    assert cited("Closes root-cause 1 / RC 2", whys, 2) == [("root_cause", 0), ("root_cause", 1)]
    assert cited("Root cause 3", whys, 2) == []
    assert cited("Write down why the deploy failed", whys, 2) == []


def _assert_same(G: nx.DiGraph, H: nx.DiGraph) -> None:
    assert dict(G.nodes(data=True)) == dict(H.nodes(data=True))
    assert {(u, v): d for u, v, d in G.edges(data=True)} == {
        (u, v): d for u, v, d in H.edges(data=True)
    }


@pytest.mark.parametrize("fmt", ["graphml", "json"])
def test_export_round_trip(tmp_path: Path, fmt: str) -> None:
    G = _built()
    H = read_graph(export_graph(G, tmp_path / f"g.{fmt}", fmt=fmt))
    assert H.is_directed() and not H.is_multigraph()
    _assert_same(G, H)
    assert nx.is_isomorphic(G, H, node_match=dict.__eq__, edge_match=dict.__eq__)


def test_graphml_safe_does_not_change_the_graph_it_is_given() -> None:
    G = nx.DiGraph([("a", "b", {"tags": ["x"], "w": None})])
    graphml_safe(G)
    assert G.edges["a", "b"] == {"tags": ["x"], "w": None}


def test_export_rejects_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown graph format 'gexf'"):
        export_graph(_built(), tmp_path / "g.gexf", fmt="gexf")


# ------------------------------------------------------------------ end to end


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory):
    from analytics.analysis import load_analysis
    from analytics.sample import build_sample_store
    from analytics.store import load_coes, open_store

    conn = open_store(build_sample_store(tmp_path_factory.mktemp("graph-e2e"), n=120, seed=5))
    return load_analysis(conn), load_coes(conn)


def test_graph_of_a_generated_corpus(corpus_store, tmp_path: Path) -> None:
    analysis, coes = corpus_store
    G = build_graph(analysis, coes)
    assert {n for n, k in G.nodes(data=gs.KIND) if k == gs.COE} == {gs.coe_node(c.id) for c in coes}
    for coe in coes:
        reachable = nx.descendants(G, gs.coe_node(coe.id))
        assert {gs.why_node(coe.id, w.id) for w in coe.whys} <= reachable
        if coe.whys:
            # Every root cause is reached through the why chain, not only the direct edge.
            first = [v for v in G.successors(gs.coe_node(coe.id)) if gs.node_kind(v) == gs.WHY]
            below = set().union(*(nx.descendants(G, w) for w in first))
            assert {gs.root_cause_node(coe.id, i) for i in range(len(coe.root_causes))} <= below
    themed = {s.id for s in analysis.statements if s.kind == "root_cause" and s.cluster}
    assert len(_edges(G, gs.IN_THEME)) == len(themed)
    for fmt in ("graphml", "json"):
        _assert_same(G, read_graph(export_graph(G, tmp_path / f"corpus.{fmt}", fmt=fmt)))
