"""Dashboard figure builders (through ``fig.to_dict()``) and callbacks, called directly."""

from __future__ import annotations

import json

import pytest

from analytics.analysis import Analysis, Cluster, Statement
from analytics.record import COE, Action, Metrics, Why
from dashboard import figures as fig
from dashboard.data import Filters


def _coe(i, date, sev="Sev2", services=("api",), team="core", **kw):
    return COE(
        id=f"C{i}", title=f"Outage {i}", services=services, team=team, severity=sev, date=date, **kw
    )


def _row(tid, label, quarters, services=("a", "b"), systemic=True, score=10.0, coes=3):
    return {
        "id": tid,
        "label": label,
        "keywords": ["k"],
        "representative": "rep",
        "size": coes,
        "coe_count": coes,
        "coes": [f"C{i}" for i in range(coes)],
        "services": list(services),
        "teams": ["t"],
        "severity_weighted": 1.0,
        "first_seen": "2025-01-02",
        "last_seen": "2025-06-01",
        "quarters": quarters,
        "trend": "rising",
        "slope": 0.5,
        "systemic": systemic,
        "score": score,
    }


def test_systemic_themes_bars_follow_rows_and_escape_labels():
    rows = [_row("T01", "cert <b>expiry</b>", {}, coes=5), _row("T02", "retry storm", {}, coes=2)]
    d = fig.systemic_themes_figure(rows).to_dict()
    bar = d["data"][0]
    # Most systemic drawn on top, i.e. last in plotly's bottom-up order.
    assert bar["x"] == [2, 5]
    assert bar["y"][1].startswith("T01")
    assert "<b>" not in bar["y"][1] and "&lt;b&gt;" in bar["y"][1]


def test_systemic_bars_without_services_drop_the_breadth_scale_and_count_whole_coes():
    rows = [_row("T01", "x", {}, services=(), coes=1), _row("T02", "y", {}, services=(), coes=2)]
    d = fig.systemic_themes_figure(rows).to_dict()
    bar = d["data"][0]
    assert bar["text"] == ["2 COEs", "1 COE"]
    assert "colorscale" not in bar["marker"]
    assert d["layout"]["xaxis"]["dtick"] == 1
    named = fig.systemic_themes_figure([_row("T01", "x", {}, coes=40)]).to_dict()
    assert named["data"][0]["text"] == ["40 COEs · 2 svc"]
    assert "dtick" not in named["layout"]["xaxis"]


def test_systemic_chart_and_heatmap_put_every_systemic_theme_first_and_fade_the_rest():
    # a busy one-off cluster outscoring a systemic theme must not push it out of the chart
    rows = [_row("T01", "busy", {}, systemic=False, coes=6)]
    rows += [_row(f"T1{i}", f"filler {i}", {}, systemic=False) for i in range(12)]
    rows.append(_row("T-cert", "Certificate expired", {}, systemic=True, coes=3))
    bar = fig.systemic_themes_figure(rows).to_dict()["data"][0]
    assert bar["y"][-1] == "Certificate expired"  # top of the chart
    assert bar["marker"]["opacity"][-1] == 1.0 and set(bar["marker"]["opacity"][:-1]) == {0.4}
    assert bar["text"][0].endswith("not systemic") and "not" not in bar["text"][-1]
    heat = fig.theme_quarter_heatmap(rows, ["2025Q1"]).to_dict()["data"][0]
    assert heat["y"][0] == "Certificate expired"


def test_theme_rows_give_absent_services_as_none_not_zero():
    rows = [_row("T01", "x", {}, services=()), _row("T02", "y", {}, services=("a",))]
    assert [r["services"] for r in fig.theme_grid_rows(rows)] == [None, 1]
    items = fig.theme_items({"new": [{**rows[0], "coes_in_period": 1}]})
    assert items["new"][0]["services"] is None


def test_long_theme_names_wrap_onto_two_tick_lines_instead_of_being_cut():
    name = "Certificate or credential expired without renewal automation"
    assert fig.wrap(name, 36).replace("<br>", " ") == name
    assert fig.wrap("one two three four five six seven", 8, 2) == "one two<br>three…"


def test_heatmap_counts_per_quarter():
    rows = [_row("T01", "x", {"2025Q1": 2, "2025Q3": 1}), _row("T02", "y", {"2025Q2": 4})]
    d = fig.theme_quarter_heatmap(rows, ["2025Q1", "2025Q2", "2025Q3"]).to_dict()
    assert d["data"][0]["z"] == [[2, 0, 1], [0, 4, 0]]


def test_severity_mix_stacks_by_severity_and_quarter():
    coes = [
        _coe(1, "2025-01-05", "Sev1"),
        _coe(2, "2025-02-05", "Sev1"),
        _coe(3, "2025-04-01", None),
    ]
    d = fig.severity_mix_figure(coes).to_dict()
    by_name = {t["name"]: list(t["y"]) for t in d["data"]}
    assert by_name == {"Sev1": [2, 0], "unrated": [0, 1]}
    assert d["layout"]["barmode"] == "stack"


def test_empty_inputs_give_a_message_not_an_error():
    d = fig.systemic_themes_figure([]).to_dict()
    assert d["layout"]["annotations"][0]["text"] == "No themes for these filters"


def test_why_tree_links_children_to_parents_and_leaves_to_root_causes():
    coe = COE(
        id="C1",
        title="t",
        whys=(
            Why("1", None, None, "a"),
            Why("2", "1", None, "b"),
            Why("3a", "2", None, "c"),
            Why("3b", "2", None, "d"),
        ),
        root_causes=("no review",),
    )
    edges = {
        (e["data"]["source"], e["data"]["target"])
        for e in fig.why_tree_elements(coe)
        if "source" in e["data"]
    }
    assert (
        ("coe", "why-1") in edges and ("why-2", "why-3a") in edges and ("why-2", "why-3b") in edges
    )
    assert ("why-3a", "rc-0") in edges and ("why-3b", "rc-0") in edges
    assert ("why-1", "rc-0") not in edges


def test_quarter_actions_follow_the_shared_rule():
    coes = [
        _coe(
            1,
            "2025-01-01",
            actions=(
                Action(None, "a", due="2025-05-01", status="open"),
                Action(None, "b", due="2025-03-01", status="done"),
                Action(None, "c", due="2025-02-01"),
                Action(None, "d", due="2025-06-30", status="open"),
            ),
        )
    ]
    acts = fig.quarter_actions(coes, "2025Q2", today="2026-01-01")
    assert [a["action"] for a in acts["due"]] == ["a", "d"]
    # "c" has no status: past due, status unknown, not overdue; "d" is due on the last day.
    assert [a["action"] for a in acts["overdue"]] == ["a"]
    assert [a["action"] for a in acts["unknown"]] == ["c"]


def test_severity_on_one_scale_in_charts():
    coes = [
        _coe(1, "2025-04-01", sev="SEV0"),
        _coe(2, "2025-04-02", sev="Critical"),
        _coe(3, "2025-04-03", sev=None),
    ]
    s = fig.quarter_summary(coes, "2025Q2")
    assert s["severity"] == {"Sev0": 1, "Sev1": 1, "unrated": 1}
    names = [t["name"] for t in fig.severity_mix_figure(coes).to_dict()["data"]]
    assert names == ["Sev0", "Sev1", "unrated"]


def test_quarter_summary_medians():
    coes = [
        _coe(1, "2025-04-01", metrics=Metrics(10, 30)),
        _coe(2, "2025-05-01", metrics=Metrics(20, None)),
        _coe(3, "2025-01-01", metrics=Metrics(99, 99)),
    ]
    s = fig.quarter_summary(coes, "2025Q2")
    assert s["coes"] == 2 and s["median_ttd"] == 15 and s["median_ttm"] == 30


def test_embedding_map_highlights_selected_theme():
    st = (
        Statement("C1#rc0", "C1", "root_cause", "0", "x <script>", "x", "T01"),
        Statement("C2#rc0", "C2", "root_cause", "0", "y", "y", "T02"),
    )
    a = Analysis(
        1,
        "",
        {},
        st,
        (
            Cluster("T01", "root_cause", "one", (), "", ("C1#rc0",), ("C1",)),
            Cluster("T02", "root_cause", "two", (), "", ("C2#rc0",), ("C2",)),
        ),
        (),
        (),
        coords={"C1#rc0": (0.0, 1.0), "C2#rc0": (1.0, 0.0)},
    )
    d = fig.embedding_map_figure(a, "T01").to_dict()
    names = [t["name"] for t in d["data"]]
    assert names == ["other themes", "T01 · one"]
    assert "<script>" not in json.dumps(d) and "&lt;script&gt;" in d["data"][1]["text"][0]


def test_causal_subgraph_walks_back_from_themes():
    import networkx as nx

    C = nx.DiGraph()
    C.add_nodes_from(["W1", "W2", "W3"], kind="why", coe_count=3)
    C.add_nodes_from(["T1"], kind="theme", coe_count=4)
    C.add_edge("W1", "W2", weight=3)
    C.add_edge("W2", "T1", weight=4)
    C.add_edge("W3", "T1", weight=1)
    nodes, edges = fig.causal_subgraph(C, ["T1"], min_weight=2)
    assert {n["id"] for n in nodes} == {"T1", "W2", "W1"}
    assert {(e["source"], e["target"]) for e in edges} == {("W1", "W2"), ("W2", "T1")}
    els = fig.causal_elements(nodes, edges, {"T1": "theme one"})
    assert [e["classes"] for e in els if e["data"].get("id") == "T1"] == ["theme"]


def test_causal_subgraph_keeps_each_nodes_strongest_steps_in_columns():
    import networkx as nx

    C = nx.DiGraph()
    C.add_nodes_from(["W1", "W2", "W3", "W4"], kind="why", coe_count=3, label="a step")
    C.add_nodes_from(["T1", "T2"], kind="theme", coe_count=4, label="a theme")
    C.add_edge("W1", "T1", weight=5)
    C.add_edge("W2", "T1", weight=3)
    C.add_edge("W3", "T1", weight=2)  # third strongest into T1: left out with per_node=2
    C.add_edge("W4", "W1", weight=4)
    C.add_edge("W2", "W1", weight=2)  # same column: not drawn, the picture stays layered
    C.add_edge("W2", "T2", weight=6)
    nodes, edges = fig.causal_subgraph(C, ["T1", "T2"], min_weight=2, per_node=2, depth=2)
    assert {n["id"] for n in nodes} == {"T1", "T2", "W1", "W2", "W4"}
    assert {(e["source"], e["target"]) for e in edges} == {
        ("W1", "T1"),
        ("W2", "T1"),
        ("W2", "T2"),
        ("W4", "W1"),
    }
    # Without the per-node cap every edge at the weight is kept, as before.
    _nodes, all_edges = fig.causal_subgraph(C, ["T1", "T2"], min_weight=2, depth=2)
    assert ("W2", "W1") in {(e["source"], e["target"]) for e in all_edges}


def test_causal_elements_label_nodes_by_cluster_label():
    nodes = [
        {"id": "T1", "coe_count": 4, "label": "cert / expiry"},
        {"id": "W7", "coe_count": 1, "label": "renewal / manual"},
    ]
    edges = [{"source": "W7", "target": "T1", "weight": 2}]
    drawn = {
        e["data"]["id"]: e["data"] for e in fig.causal_elements(nodes, edges) if "id" in e["data"]
    }
    assert {k: d["label"] for k, d in drawn.items()} == {
        "T1": "T1 · cert / expiry",
        "W7": "renewal / manual",
    }
    assert drawn["T1"]["size"] > drawn["W7"]["size"]


def test_filters_keep_and_round_trip():
    f = Filters(quarter_from="2025Q2", services=("api",), severities=("Sev1",))
    assert Filters.from_store(f.to_store()) == f
    assert f.keeps(_coe(1, "2025-05-01", "Sev1"))
    assert not f.keeps(_coe(2, "2025-02-01", "Sev1"))
    assert not f.keeps(_coe(3, "2025-05-01", "Sev2"))
    assert not f.keeps(_coe(4, "2025-05-01", "Sev1", services=("db",)))


def test_filters_from_controls():
    from dashboard.filters import filters_from_controls

    qs = ["2025Q1", "2025Q2", "2025Q3"]
    assert filters_from_controls([0, 2], [], [], [], qs) == Filters()
    assert filters_from_controls([1, 1], ["x"], None, ["Sev1"], qs) == Filters(
        "2025Q2", "2025Q2", ("x",), (), ("Sev1",)
    )


# --- callbacks on a real (small) analysed store --------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from analytics.sample import build_sample_store
    from dashboard import create_app

    store = build_sample_store(tmp_path_factory.mktemp("dash"), n=60, seed=3)
    return create_app(store)


def test_overview_callback_reacts_to_filters(app):
    from dashboard import data
    from dashboard.pages import overview

    snapshot = data.current()
    kpis, systemic, heatmap, severity = overview.update(None)
    assert kpis[0].children[0].children == str(len(snapshot.coes))
    sev = snapshot.severities[0]
    kpis2, *_ = overview.update({"severities": [sev]})
    expected = sum((c.severity or "unknown") == sev for c in snapshot.coes)
    assert kpis2[0].children[0].children == str(expected) != kpis[0].children[0].children
    assert systemic.to_dict()["data"][0]["type"] == "bar"


def test_data_is_loaded_once_per_run(app, tmp_path):
    from dashboard import data

    source = data._SOURCE
    first = data.current()
    loads = source.loads
    assert data.current() is first and source.loads == loads
    from analytics.analysis import save_analysis
    from analytics.store import open_store, transaction

    conn = open_store(source.store_path)
    with transaction(conn):
        save_analysis(conn, first.analysis)
    again = data.current()
    assert again is not first and again.run == first.run + 1 and source.loads == loads + 1


def test_themes_detail_fills_for_a_selection(app):
    from dashboard import data
    from dashboard.pages import themes

    rows = themes.update_rows(None)
    assert rows and {"id", "label", "score", "coes", "services", "trend"} <= set(rows[0])
    tid = rows[-1]["id"]
    detail = themes.update_detail(tid, None)
    text = str(detail)
    assert tid in text
    assert any(c in text for c in data.current().themes[tid].coes)


def test_coe_page_escapes_document_text(app):
    from dash import html

    from dashboard.pages import coe as coe_page

    evil = COE(
        id="C-evil",
        title="<script>alert(1)</script>",
        whys=(Why("1", None, None, "<img src=x onerror=alert(1)>"),),
        root_causes=("<b>bold</b>",),
        actions=(Action(None, "<script>x</script>", status="open"),),
    )
    from dashboard import data

    body = coe_page.coe_body(data.current(), evil)
    # Text stays text: Dash renders string children as text nodes, never as markup.
    titles = [c for c in _walk(body) if isinstance(c, html.H1)]
    assert titles[0].children == "<script>alert(1)</script>"
    assert not any(hasattr(c, "dangerously_allow_html") for c in _walk(body))


def _walk(node):
    if isinstance(node, (list, tuple)):
        for n in node:
            yield from _walk(n)
        return
    yield node
    children = getattr(node, "children", None)
    if children is not None and not isinstance(children, str):
        yield from _walk(children)


def test_review_export_csv_has_every_table(app):
    import csv
    import io

    from dashboard import data
    from dashboard.pages import review

    q = data.current().quarters[-1]
    out = review.export(1, q, None)
    rows = list(csv.DictReader(io.StringIO(out["content"])))
    r = review.review_data(data.current(), q, Filters())
    assert len(rows) == sum(len(v) for v in r["themes"].values()) + sum(
        len(v) for v in r["actions"].values()
    )
    assert out["filename"] == f"coe-review-{q}.csv"


def test_search_returns_precedents_and_lint(app):
    from dashboard import data
    from dashboard.pages import search

    snapshot = data.current()
    target = max(snapshot.coes, key=lambda c: len(c.whys))
    text = "\n".join(
        [
            "# " + target.title,
            "## Five whys",
            *[f"{i + 1}. {w.answer}" for i, w in enumerate(target.whys)],
        ]
    )
    results, lint = search.run_search(1, text, 5, None)
    assert target.id in str(results)
    assert "quality score" in str(lint)
