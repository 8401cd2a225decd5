"""One rule for walking Why.parent links: the record, the graph, the causal chains and the
dashboard read the same tree, even when a why names itself as parent or two whys name each other."""

from __future__ import annotations

import pytest

from analytics import graph_schema as gs
from analytics.graph import build_graph
from analytics.record import COE, Why, leaf_whys, why_depths, why_parents, why_paths

# "1" names itself; "2" and "3" name each other (document order: "2" first, so "3" closing the
# cycle starts a chain and "2" hangs from it); "4" deepens "2".
TANGLED = COE(
    id="COE-T",
    title="Tangled why links",
    whys=(
        Why("1", "1", None, "self"),
        Why("2", "3", None, "two"),
        Why("3", "2", None, "three"),
        Why("4", "2", None, "four"),
    ),
    root_causes=("No check on the parent links",),
)


def test_self_parent_and_two_cycle_are_cut_into_a_tree() -> None:
    assert why_parents(TANGLED.whys) == {"1": None, "2": "3", "3": None, "4": "2"}
    assert why_depths(TANGLED.whys) == {"1": 1, "2": 2, "3": 1, "4": 3}
    assert [[w.id for w in path] for path in why_paths(TANGLED.whys)] == [["1"], ["3", "2", "4"]]


def test_a_why_naming_itself_is_a_leaf() -> None:
    assert [w.id for w in leaf_whys(TANGLED.whys)] == ["1", "4"]


def test_graph_reads_the_same_tree_as_the_record() -> None:
    G = build_graph(None, [TANGLED])
    deepens = {
        (G.nodes[u][gs.REF], G.nodes[v][gs.REF])
        for u, v, k in G.edges(data=gs.KIND)
        if k == gs.DEEPENS
    }
    assert deepens == {("3", "2"), ("2", "4")}
    leads = {G.nodes[u][gs.REF] for u, _, k in G.edges(data=gs.KIND) if k == gs.LEADS_TO}
    assert leads == {w.id for w in leaf_whys(TANGLED.whys)}


def test_dashboard_reads_the_same_tree_as_the_record() -> None:
    figures = pytest.importorskip("dashboard.figures")
    data = pytest.importorskip("dashboard.data")
    edges = {
        (e["data"]["source"], e["data"]["target"])
        for e in figures.why_tree_elements(TANGLED)
        if "source" in e["data"] and e["data"]["target"].startswith("why-")
    }
    assert edges == {("coe", "why-1"), ("coe", "why-3"), ("why-3", "why-2"), ("why-2", "why-4")}
    rc_sources = {
        e["data"]["source"] for e in figures.why_tree_elements(TANGLED) if e.get("classes") == "rc"
    }
    assert rc_sources == {"why-1", "why-4"}
    chains = data.Snapshot(store_path="", analysis=None, coes=[TANGLED]).why_chains(TANGLED)
    assert chains == [["self"], ["three", "two", "four"]]
    assert figures.why_height(TANGLED) == max(320, 95 * (3 + 2))
