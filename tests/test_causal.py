"""The theme-level causal graph and its algorithms."""

from __future__ import annotations

import networkx as nx
import pytest

from analytics import graph_schema as gs
from analytics.analysis import Analysis, Cluster, Statement
from analytics.causal import causal_graph, causal_paths, centrality, deepest_recurring_causes
from analytics.graph import build_graph
from analytics.record import COE, Why


def _coe(cid: str, *links: tuple[str, str | None]) -> COE:
    return COE(cid, "", whys=tuple(Why(i, p, None, f"a{i}") for i, p in links))


def _analysis(coes, clusters: dict[str, dict[str, str | None]], themes: dict[str, str]):
    """``clusters``: COE id -> why id -> why cluster; ``themes``: COE id -> theme."""
    statements = [
        Statement(f"{c}#why{w}", c, "why", w, "", "", k)
        for c, whys in clusters.items()
        for w, k in whys.items()
    ]
    members: dict[str, set[str]] = {}
    for s in statements:
        if s.cluster:
            members.setdefault(s.cluster, set()).add(s.coe)
    for c, t in themes.items():
        members.setdefault(t, set()).add(c)

    def cl(cid, kind):
        return Cluster(cid, kind, f"label {cid}", ("k",), "", (), tuple(sorted(members[cid])))

    return Analysis(
        0,
        "",
        {},
        tuple(statements),
        tuple(cl(t, "root_cause") for t in sorted(set(themes.values()))),
        (),
        tuple(
            cl(w, "why") for w in sorted({k for m in clusters.values() for k in m.values() if k})
        ),
        coe_theme=dict(themes),
    )


BRANCHED = _coe("C1", ("1", None), ("2", "1"), ("3a", "2"), ("3b", "2"))


def test_branches_count_one_chain_each() -> None:
    a = _analysis([BRANCHED], {"C1": {"1": "W1", "2": "W2", "3a": "W3", "3b": "W3"}}, {"C1": "T1"})
    C = causal_graph(a, [BRANCHED])
    assert dict(((u, v), w) for u, v, w in C.edges(data=gs.WEIGHT)) == {
        ("W1", "W2"): 1,
        ("W2", "W3"): 2,
        ("W3", "T1"): 2,
    }
    assert C.edges["W2", "W3"][gs.COE_COUNT] == 1
    assert C.nodes["W3"][gs.DEPTH] == 3.0 and C.nodes["T1"][gs.DEPTH] == 4.0
    assert C.nodes["T1"][gs.KIND] == gs.THEME and C.nodes["W1"][gs.KIND] == gs.WHY


def test_weights_add_up_across_coes_and_same_cluster_steps_are_not_edges() -> None:
    c2 = _coe("C2", ("1", None), ("2", "1"), ("3", "2"))
    a = _analysis(
        [BRANCHED, c2],
        {
            "C1": {"1": "W1", "2": "W2", "3a": "W3", "3b": "W3"},
            "C2": {"1": "W1", "2": "W1", "3": "W2"},
        },
        {"C1": "T1", "C2": "T1"},
    )
    C = causal_graph(a, [BRANCHED, c2])
    assert C.edges["W1", "W2"][gs.WEIGHT] == 2 and C.edges["W1", "W2"][gs.COE_COUNT] == 2
    assert not C.has_edge("W1", "W1")
    assert C.edges["W2", "T1"][gs.WEIGHT] == 1  # C2's leaf is in W2


def test_unclustered_step_is_bridged_and_coe_without_theme_has_no_theme_edge() -> None:
    c2 = _coe("C2", ("1", None), ("2", "1"), ("3", "2"))
    a = _analysis(
        [BRANCHED, c2],
        {"C1": {"1": "W1", "2": None, "3a": "W3", "3b": None}, "C2": {"1": "W1", "2": "W3"}},
        {"C1": "T1"},
    )
    C = causal_graph(a, [BRANCHED, c2])
    # C1: W1 -(2 unclustered)-> W3 (3a); 3b has no cluster so its chain ends at W1.
    assert C.edges["W1", "W3"][gs.WEIGHT] == 2
    assert C.edges["W3", "T1"][gs.WEIGHT] == 1 and C.edges["W1", "T1"][gs.WEIGHT] == 1
    assert C.in_degree("T1", weight=gs.WEIGHT) == 2


def test_parent_cycles_do_not_hang() -> None:
    coe = _coe("C1", ("1", None), ("2", "3"), ("3", "2"))
    a = _analysis([coe], {"C1": {"1": "W1", "2": "W2", "3": "W3"}}, {"C1": "T1"})
    C = causal_graph(a, [coe])
    # The cycle is cut where it closes (record.why_parents): "3" starts a chain, "2" deepens it.
    assert sorted(C.edges) == [("W1", "T1"), ("W2", "T1"), ("W3", "W2")]


def _diamond() -> nx.DiGraph:
    C = nx.DiGraph()
    C.add_nodes_from(["S", "M1", "M2"], kind=gs.WHY, coe_count=5)
    C.add_node("T1", kind=gs.THEME, coe_count=6)
    C.add_node("T2", kind=gs.THEME, coe_count=2)
    C.add_node("T3", kind=gs.THEME, coe_count=1)
    C.add_weighted_edges_from(
        [("S", "M1", 6), ("S", "M2", 2), ("M1", "T1", 5), ("M1", "T2", 1), ("M2", "T1", 1)]
    )
    C.add_weighted_edges_from([("M2", "T3", 1), ("M2", "S", 1)])
    return C


def test_causal_paths_are_most_probable_first_and_end_at_themes() -> None:
    C = _diamond()
    before = nx.to_dict_of_dicts(C)
    paths = causal_paths(C, "S")
    assert nx.to_dict_of_dicts(C) == before
    probs = [p["probability"] for p in paths]
    assert probs == sorted(probs, reverse=True)
    assert paths[0]["path"] == ["S", "M1", "T1"]
    assert paths[0]["probability"] == pytest.approx(0.75 * 5 / 6, abs=1e-4)
    assert paths[0]["chains"] == 5
    assert all(C.nodes[p["theme"]][gs.KIND] == gs.THEME for p in paths)
    assert all(len(set(p["path"])) == len(p["path"]) for p in paths)
    assert sum(probs) <= 1 + 1e-9
    # Every simple path to a theme: S-M1-T1, S-M1-T2, S-M2-T1, S-M2-T3.
    assert len(paths) == 4


def test_causal_paths_limits_and_pruning() -> None:
    C = _diamond()
    assert len(causal_paths(C, "S", limit=2)) == 2
    assert [p["path"] for p in causal_paths(C, "S", min_probability=0.2)] == [["S", "M1", "T1"]]
    assert causal_paths(C, "T1") == []
    with pytest.raises(nx.NodeNotFound, match="'W99'"):
        causal_paths(C, "W99")


def test_deepest_recurring_causes() -> None:
    C = _diamond()
    rows = deepest_recurring_causes(C, min_coes=2)
    assert [r["id"] for r in rows] == ["T1", "T2"]
    assert rows[0]["chains"] == 6 and rows[0]["upstream"] == 3
    # With a higher bar T2 no longer recurs, and M1 is not terminal (T1 still recurs).
    assert [r["id"] for r in deepest_recurring_causes(C, min_coes=6)] == ["T1"]
    assert [r["id"] for r in deepest_recurring_causes(C, min_coes=5)] == ["T1"]


def test_why_cluster_over_one_off_causes_is_deepest() -> None:
    C = nx.DiGraph()
    C.add_node("W1", kind=gs.WHY, coe_count=4)
    C.add_node("W2", kind=gs.WHY, coe_count=4)
    C.add_nodes_from(["T1", "T2"], kind=gs.THEME, coe_count=1)
    C.add_weighted_edges_from([("W1", "W2", 4), ("W2", "T1", 1), ("W2", "T2", 1)])
    rows = deepest_recurring_causes(C, min_coes=2)
    assert [(r["id"], r["kind"], r["upstream"]) for r in rows] == [("W2", gs.WHY, 1)]


def test_centrality_methods() -> None:
    C = _diamond()
    pr = centrality(C)
    assert set(pr) == set(C) and sum(pr.values()) == pytest.approx(1, abs=1e-4)
    assert max(pr, key=pr.get) == "T1"
    bc = centrality(C, "betweenness")
    assert bc["M1"] > bc["M2"] and bc["T1"] == 0
    assert centrality(nx.DiGraph()) == {}
    with pytest.raises(ValueError, match="unknown centrality method 'eigen'"):
        centrality(C, "eigen")


# ------------------------------------------------------------------ end to end


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory):
    from analytics.analysis import load_analysis
    from analytics.sample import build_sample_store
    from analytics.store import load_coes, open_store

    conn = open_store(build_sample_store(tmp_path_factory.mktemp("causal-e2e"), n=120, seed=7))
    return load_analysis(conn), load_coes(conn)


def test_causal_graph_agrees_with_the_coe_graph(corpus_store) -> None:
    analysis, coes = corpus_store
    C = causal_graph(analysis, coes)
    G = build_graph(analysis, coes)
    # Count, on the COE graph, the leaf whys whose chain has a clustered step and whose COE has
    # a theme: each is one chain into a theme.
    expected = 0
    for coe in coes:
        if not analysis.coe_theme.get(coe.id):
            continue
        for w in coe.whys:
            node = gs.why_node(coe.id, w.id)
            if any(G.edges[node, v][gs.KIND] == gs.DEEPENS for v in G.successors(node)):
                continue
            chain = [node]
            while gs.PARENT in G.nodes[chain[-1]]:
                chain.append(gs.why_node(coe.id, G.nodes[chain[-1]][gs.PARENT]))
            expected += any(gs.CLUSTER in G.nodes[n] for n in chain)
    into_themes = sum(w for u, v, w in C.edges(data=gs.WEIGHT) if C.nodes[v][gs.KIND] == gs.THEME)
    assert expected > 0 and into_themes == expected


def test_paths_from_the_commonest_first_step(corpus_store) -> None:
    analysis, coes = corpus_store
    C = causal_graph(analysis, coes)
    first = max(
        (n for n, k in C.nodes(data=gs.KIND) if k == gs.WHY and C.out_degree(n)),
        key=lambda n: C.nodes[n][gs.COE_COUNT] / (C.nodes[n][gs.DEPTH] or 99),
    )
    paths = causal_paths(C, first, limit=3, min_probability=0.0)
    assert paths, first
    assert all(p["path"][0] == first and C.nodes[p["theme"]][gs.KIND] == gs.THEME for p in paths)
    deepest = deepest_recurring_causes(C)
    assert deepest and all(r["coe_count"] >= 2 for r in deepest)


def test_upstream_counts_match_networkx_ancestors_with_cycles() -> None:
    from analytics.causal import _ancestor_counts

    C = nx.gnp_random_graph(40, 0.06, seed=3, directed=True)
    C = nx.relabel_nodes(C, {i: f"W{i:02d}" for i in C})
    assert not nx.is_directed_acyclic_graph(C)
    assert _ancestor_counts(C, list(C)) == {n: len(nx.ancestors(C, n)) for n in C}
