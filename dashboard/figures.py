"""Pure figure and table builders: analytics results in, plotly figures / plain rows out.

Nothing here reads the store or knows about Dash callbacks, so every builder is tested through
``fig.to_dict()`` on literal inputs.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from html import escape

import numpy as np
import plotly.graph_objects as go

from analytics import severity
from analytics.analysis import Analysis
from analytics.followthrough import as_of, period_actions
from analytics.periods import Period, quarter, quarter_end, quarter_range
from analytics.record import COE, why_depths, why_parents
from analytics.themes import theme_mechanism

__all__ = ["quarter_end"]  # the review page and search filters read it from here

# One palette for the whole app (matches assets/style.css).
INK = "#1f2933"
MUTED = "#7b8794"
GRID = "#e4e7eb"
ACCENT = "#2563eb"
SEVERITY_COLOURS = severity.COLOURS
THEME_COLOURS = (
    "#2563eb",
    "#db2777",
    "#059669",
    "#d97706",
    "#7c3aed",
    "#0891b2",
    "#dc2626",
    "#4d7c0f",
    "#c026d3",
    "#0f766e",
)
FONT = "Inter, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"


def short(text: str, limit: int = 42) -> str:
    """Cut a label to ``limit`` characters with an ellipsis, for axis ticks.

    >>> short("a very long theme label indeed", 12)
    'a very long…'
    >>> short("validated before rollout", 20)
    'validated before…'
    """
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]  # not mid-word
    return cut.rstrip() + "…"


def wrap(text: str, width: int = 34, lines: int = 2) -> str:
    """Break a label into at most ``lines`` lines of about ``width`` characters (plotly ``<br>``),
    the last cut with an ellipsis: a long theme name shows whole where a tick has two lines.

    >>> wrap("Certificate or credential expired without renewal automation")
    'Certificate or credential expired<br>without renewal automation'
    >>> wrap("a b", 34)
    'a b'
    """
    words, out = " ".join((text or "").split()).split(" "), []
    while words and len(out) < lines - 1:
        line = words.pop(0)
        while words and len(line) + 1 + len(words[0]) <= width:
            line += " " + words.pop(0)
        out.append(line)
    if words:
        out.append(short(" ".join(words), width))
    return "<br>".join(out)


def systemic_first(rows: Sequence[dict]) -> list[dict]:
    """Systemic themes before the rest, each group in its given (score) order: a chart of the
    "most systemic" themes must not drop a systemic theme for a busier one-off cluster."""
    return sorted(rows, key=lambda r: not r["systemic"])


def theme_name(row: dict) -> str:
    """A theme as a reader names it: a known mechanism by its name (unique in the taxonomy),
    an emerging theme as ``"T04 · Load tests are not part of…"`` (the id keeps two themes with
    similar sentences apart).

    >>> theme_name({"id": "T-cert-expiry", "label": "Certificate expired"})
    'Certificate expired'
    >>> theme_name({"id": "T04", "label": "demand / fleet size"})
    'T04 · demand / fleet size'
    """
    if theme_mechanism(row["id"]):
        return row["label"]
    return f"{row['id']} · {row['label']}"


def plural(n: int, noun: str) -> str:
    """``"1 COE"``, ``"3 COEs"``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _whole_ticks(largest: float) -> dict:
    """Ticks of COE counts: whole numbers only (a small range otherwise ticks 0.5 COEs)."""
    return {"tickformat": "d", **({"dtick": 1} if largest <= 6 else {})}


def _count_axis(largest: float) -> dict:
    """An axis of COE counts."""
    return {"title": {"text": "COEs"}, "rangemode": "tozero", **_whole_ticks(largest)}


def _axis(**extra) -> dict:
    return {"gridcolor": GRID, "linecolor": GRID, "zeroline": False, "automargin": True, **extra}


def _figure(traces: list[dict], *, height: int, xaxis=None, yaxis=None, **layout) -> go.Figure:
    """A figure from plain trace and layout dicts.

    Built in one constructor call on purpose: plotly's ``update_*`` helpers and built-in
    templates cost tens of milliseconds per figure, most of a callback's budget at 10k COEs.
    """
    base = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "font": {"family": FONT, "size": 12, "color": INK},
        "hoverlabel": {"font": {"family": FONT, "size": 12}},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "colorway": list(THEME_COLOURS),
        "xaxis": _axis(**(xaxis or {})),
        "yaxis": _axis(**(yaxis or {})),
    }
    return go.Figure(data=traces, layout={**base, **layout})


def empty_figure(message: str, height: int = 300) -> go.Figure:
    """A blank figure that says why it is blank (no data after filtering, say)."""
    return _figure(
        [],
        height=height,
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": message,
                "showarrow": False,
                "font": {"size": 14, "color": MUTED},
                "x": 0.5,
                "y": 0.5,
                "xref": "paper",
                "yref": "paper",
            }
        ],
    )


# --- overview ---------------------------------------------------------------------------


def headline(coes: Sequence[COE], theme_rows: Sequence[dict], systemic_share: float) -> dict:
    """The overview's headline numbers for the filtered COEs."""
    named = {s for c in coes for s in c.services}
    return {
        "coes": len(coes),
        # None, not 0, when no COE names a service: absent is not zero.
        "services": len(named) if named else None,
        "themes": len(theme_rows),
        "systemic_themes": sum(r["systemic"] for r in theme_rows),
        "systemic_share": systemic_share,
    }


def systemic_themes_figure(rows: Sequence[dict], top: int = 12) -> go.Figure:
    """Horizontal bars of the most systemic themes: COE count, coloured by breadth.

    Bars are ordered by systemic score (rows come most systemic first); the bar's length is
    the COE count and its colour the number of services, so count x breadth reads at a glance.
    """
    rows = systemic_first(rows)[:top]
    if not rows:
        return empty_figure("No themes for these filters")
    rows = rows[::-1]  # plotly draws the first category at the bottom
    breadth = [len(r["services"]) for r in rows]
    # A corpus that names no services (many real postmortems) gets no breadth colour scale.
    named = any(breadth)
    # Themes that are not systemic are drawn faded and say so, so the chart does not pass a
    # busy one-off cluster off as systemic.
    faded = [1.0 if r["systemic"] else 0.4 for r in rows]
    bar = {
        "type": "bar",
        "x": [r["coe_count"] for r in rows],
        "y": [wrap(_esc(theme_name(r)), 36) for r in rows],
        "orientation": "h",
        "marker": (
            {
                "color": breadth,
                "colorscale": [[0, "#bfdbfe"], [1, "#1d4ed8"]],
                "cmin": 0,
                "cmax": max(breadth),
                "colorbar": {"title": {"text": "services"}, "thickness": 10, "len": 0.8},
                "opacity": faded,
            }
            if named
            else {"color": ACCENT, "opacity": faded}
        ),
        "text": [
            plural(r["coe_count"], "COE")
            + (f" · {len(r['services'])} svc" if named else "")
            + ("" if r["systemic"] else " · not systemic")
            for r in rows
        ],
        "textposition": "auto",
        # white on a faded bar does not read; dark text there
        "insidetextfont": {"color": ["#ffffff" if r["systemic"] else INK for r in rows]},
        "outsidetextfont": {"color": INK},
        "customdata": [
            [r["id"], _esc(r["label"]), r["score"], r["trend"], len(r["services"])] for r in rows
        ],
        "hovertemplate": (
            "<b>%{customdata[0]}</b> %{customdata[1]}<br>%{x} COEs · %{customdata[4]} services"
            "<br>score %{customdata[2]} · %{customdata[3]}<extra></extra>"
        ),
    }
    largest = max(r["coe_count"] for r in rows)
    return _figure([bar], height=max(260, 36 * len(rows) + 60), xaxis=_count_axis(largest))


def theme_quarter_heatmap(rows: Sequence[dict], quarters: Sequence[str], top: int = 15):
    """COEs per quarter for the most systemic themes (rows), over the given quarters."""
    rows = systemic_first(rows)[:top]
    if not rows or not quarters:
        return empty_figure("No themes for these filters")
    z = [[r["quarters"].get(q, 0) for q in quarters] for r in rows]
    heat = {
        "type": "heatmap",
        "z": z,
        "x": list(quarters),
        "y": [_esc(short(theme_name(r), 40)) for r in rows],
        # the tick is cut to fit; the hover names the theme whole
        "customdata": [[_esc(theme_name(r))] * len(quarters) for r in rows],
        "colorscale": [[0, "#f8fafc"], [0.001, "#dbeafe"], [1, "#1e3a8a"]],
        "xgap": 2,
        "ygap": 2,
        "colorbar": {"title": {"text": "COEs"}, "thickness": 10, **_whole_ticks(max(map(max, z)))},
        "hovertemplate": "%{customdata}<br>%{x}: %{z} COEs<extra></extra>",
    }
    return _figure(
        [heat],
        height=max(260, 24 * len(rows) + 90),
        xaxis={"showgrid": False, "type": "category", "tickangle": -45},
        yaxis={"autorange": "reversed", "showgrid": False},
    )


def severity_mix_figure(coes: Iterable[COE], quarters: Sequence[str] | None = None):
    """Stacked bars of COEs per quarter by severity."""
    counts: Counter = Counter()
    for c in coes:
        q = quarter(c.date)
        if q:
            counts[(q, severity.bucket(c.severity))] += 1
    if not counts:
        return empty_figure("No dated COEs for these filters")
    seen = sorted({q for q, _ in counts})
    quarters = list(quarters) if quarters else quarter_range(seen[0], seen[-1])
    severities = severity.order(k[1] for k in counts)
    bars = [
        {
            "type": "bar",
            "name": _esc(sev),
            "x": quarters,
            "y": [counts.get((q, sev), 0) for q in quarters],
            "marker": {"color": SEVERITY_COLOURS.get(sev, MUTED)},
            "hovertemplate": f"{_esc(sev)}<br>%{{x}}: %{{y}} COEs<extra></extra>",
        }
        for sev in severities
    ]
    per_quarter = Counter()
    for (q, _), n in counts.items():
        per_quarter[q] += n
    return _figure(
        bars,
        height=320,
        xaxis={"type": "category", "tickangle": -45},
        yaxis=_count_axis(max(per_quarter.values())),
        barmode="stack",
        bargap=0.25,
        # plotly hides a lone trace's legend: all-grey bars must still say "unrated"
        showlegend=True,
        legend={"orientation": "h", "y": 1.08, "x": 0, "yanchor": "bottom"},
    )


# --- themes -----------------------------------------------------------------------------


def theme_grid_rows(rows: Sequence[dict]) -> list[dict]:
    """The theme table's rows: the columns the grid shows, as plain values."""
    return [
        {
            "id": r["id"],
            "label": r["label"],
            "score": r["score"],
            "coes": r["coe_count"],
            "size": r["size"],
            # None, not 0, when the theme's COEs name no service (team): absent is not zero
            "services": len(r["services"]) or None,
            "teams": len(r["teams"]) or None,
            "trend": r["trend"],
            "systemic": "yes" if r["systemic"] else "",
            "last_seen": r["last_seen"],
        }
        for r in rows
    ]


def theme_trend_figure(row: dict, quarters: Sequence[str]) -> go.Figure:
    """COEs per quarter of one theme, over the given quarters."""
    if not quarters:
        return empty_figure("No dated COEs", height=220)
    y = [row["quarters"].get(q, 0) for q in quarters]
    bar = {
        "type": "bar",
        "x": list(quarters),
        "y": y,
        "marker": {"color": ACCENT},
        "hovertemplate": "%{x}: %{y} COEs<extra></extra>",
    }
    return _figure(
        [bar],
        height=220,
        xaxis={"type": "category", "tickangle": -45},
        yaxis=_count_axis(max(y, default=0)),
    )


def map_points(analysis: Analysis) -> dict[str | None, tuple[list, list, list[str]]]:
    """Root-cause map points grouped by theme: ``{theme: (xs, ys, hover texts)}``.

    Built once per analysis run (the dashboard caches it): at 10,000 COEs there are tens of
    thousands of points, and escaping their hover text is most of a map's cost.
    """
    by_id = analysis.statement_by_id
    labels = {t.id: t.label for t in analysis.themes}
    out: dict[str | None, tuple[list, list, list[str]]] = {}
    for sid, (x, y) in analysis.coords.items():
        s = by_id.get(sid)
        if s is None:
            continue
        xs, ys, texts = out.setdefault(s.cluster, ([], [], []))
        xs.append(x)
        ys.append(y)
        texts.append(_hover(s, labels))
    # numpy arrays: plotly validates them whole instead of element by element.
    return {k: (np.asarray(xs), np.asarray(ys), texts) for k, (xs, ys, texts) in out.items()}


def embedding_map_figure(
    analysis: Analysis,
    selected: str | None = None,
    theme_ids: Iterable[str] | None = None,
    points: dict | None = None,
) -> go.Figure:
    """The 2-D map of root-cause embeddings (``analysis.coords``), coloured by theme.

    The selected theme is drawn in colour and on top; the rest in grey, without hover text
    (it would be tens of thousands of strings sent for points nobody is looking at). With
    nothing selected the ``theme_ids`` given (the most systemic) get colours. ``points`` is
    :func:`map_points` of the analysis, when the caller has it cached.
    """
    if not analysis.coords:
        return empty_figure("No 2-D map in this analysis run", height=360)
    points = map_points(analysis) if points is None else points
    labels = {t.id: t.label for t in analysis.themes}
    highlight = [selected] if selected else list(theme_ids or ())[: len(THEME_COLOURS)]
    grey = [(xs, ys) for theme, (xs, ys, _t) in points.items() if theme not in highlight]
    traces = []
    if grey:
        grey_x = np.concatenate([g[0] for g in grey])
        grey_y = np.concatenate([g[1] for g in grey])
        traces.append(
            {
                "type": "scattergl",
                "x": grey_x,
                "y": grey_y,
                "mode": "markers",
                "name": "other themes",
                "marker": {"size": 5, "color": "#cbd2d9", "opacity": 0.6},
                "hoverinfo": "skip",
            }
        )
    for i, tid in enumerate(highlight):
        if tid not in points:
            continue
        xs, ys, texts = points[tid]
        traces.append(
            {
                "type": "scattergl",
                "x": xs,
                "y": ys,
                "mode": "markers",
                "name": _esc(short(f"{tid} · {labels.get(tid, '')}", 36)),
                "marker": {"size": 9, "color": THEME_COLOURS[i % len(THEME_COLOURS)]},
                "text": texts,
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    return _figure(
        traces,
        height=380,
        xaxis={"showticklabels": False},
        yaxis={"showticklabels": False},
        legend={"orientation": "h", "y": -0.05, "yanchor": "top", "font": {"size": 11}},
    )


def _esc(text: str) -> str:
    # Plotly renders hover text, names and ticks as a small HTML subset: escape document text
    # so a statement cannot inject markup.
    return escape(text, quote=False)


def _hover(statement, labels: dict[str, str]) -> str:
    theme = statement.cluster or "no theme"
    return (
        f"<b>{escape(statement.coe)}</b> · {escape(theme)} {escape(short(labels.get(theme, ''), 40))}"
        f"<br>{escape(short(statement.text, 90))}"
    )


# --- COE page ---------------------------------------------------------------------------


def why_height(coe: COE) -> int:
    """Canvas height for the why tree: deep trees get room, short ones do not float in space."""
    levels = max(why_depths(coe.whys).values(), default=0) + 2
    return max(320, min(900, 95 * levels))


def why_tree_elements(coe: COE) -> list[dict]:
    """Cytoscape elements of a COE's why tree: one node per why, an edge from parent to child,
    and the root causes hanging off the leaves. Labels are cut short; ``full`` has the text."""
    elements: list[dict] = [
        {
            "data": {
                "id": "coe",
                "label": short(coe.title or coe.id, 60),
                "kind": "coe",
                "full": coe.title or coe.id,
            },
            "classes": "coe",
        }
    ]
    parents = set()
    parent_of = why_parents(coe.whys)
    for w in coe.whys:
        parent = parent_of.get(w.id) or "coe"
        parents.add(parent)
        elements.append(
            {
                "data": {
                    "id": f"why-{w.id}",
                    "label": f"{w.id}. {short(w.answer, 90)}",
                    "full": f"Why {w.id}: {w.answer}",
                },
                "classes": "why",
            }
        )
        elements.append(
            {
                "data": {
                    "source": "coe" if parent == "coe" else f"why-{parent}",
                    "target": f"why-{w.id}",
                }
            }
        )
    leaves = [w.id for w in coe.whys if w.id not in parents]
    for i, rc in enumerate(coe.root_causes):
        elements.append(
            {
                "data": {"id": f"rc-{i}", "label": short(rc, 90), "full": f"Root cause: {rc}"},
                "classes": "root-cause",
            }
        )
        for leaf in leaves or ["coe"]:
            source = "coe" if leaf == "coe" else f"why-{leaf}"
            elements.append({"data": {"source": source, "target": f"rc-{i}"}, "classes": "rc"})
    return elements


# --- causal graph -------------------------------------------------------------------------


def causal_elements(
    nodes: Sequence[dict], edges: Sequence[dict], theme_labels: dict[str, str] | None = None
) -> list[dict]:
    """Cytoscape elements for the theme-level causal graph.

    ``nodes``: ``{"id", "coe_count", "label"?}``; ``edges``: ``{"source", "target", "weight"}``.
    A node is labelled by its cluster label (``theme_labels`` wins over the node's own); themes
    (``T..``, the clickable ones) also by their id, which the rest of the dashboard uses. Node
    size follows the COE count, edge width the number of chains.
    """
    if not nodes:
        return []
    theme_labels = theme_labels or {}
    biggest = max(n.get("coe_count", 1) or 1 for n in nodes)
    heaviest = max((e.get("weight", 1) or 1 for e in edges), default=1)
    out = []
    for n in nodes:
        nid = n["id"]
        count = n.get("coe_count", 1) or 1
        theme = nid.startswith("T")
        text = short(theme_labels.get(nid) or n.get("label") or "", 56)
        out.append(
            {
                "data": {
                    "id": nid,
                    "label": f"{nid} · {text}" if theme and text else (text or nid),
                    "size": round(18 + 26 * (count / biggest) ** 0.5, 1),
                    "coes": count,
                },
                "classes": "theme" if theme else "step",
            }
        )
    for e in edges:
        w = e.get("weight", 1) or 1
        out.append(
            {
                "data": {
                    "source": e["source"],
                    "target": e["target"],
                    "weight": w,
                    "width": round(1 + 5 * w / heaviest, 1),
                }
            }
        )
    return out


# --- quarterly review ---------------------------------------------------------------------


def _median(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(statistics.median(vals), 1) if vals else None


def quarter_summary(coes: Sequence[COE], q: str) -> dict:
    """COE count, severity mix and median detect / mitigate times for one quarter."""
    inq = [c for c in coes if quarter(c.date) == q]
    return {
        "coes": len(inq),
        "severity": dict(Counter(severity.bucket(c.severity) for c in inq)),
        "median_ttd": _median(c.metrics.time_to_detect_minutes for c in inq),
        "median_ttm": _median(c.metrics.time_to_mitigate_minutes for c in inq),
    }


def theme_items(changes: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Review table rows of :func:`analytics.scores.period_themes` changes (new, recurring,
    rising): the same themes, in the same order, as the quarterly report lists."""
    return {
        kind: [
            {
                "id": r["id"],
                "label": r["label"],
                "coes_in_quarter": r["coes_in_period"],
                "coes_total": r["coe_count"],
                "services": len(r["services"]) or None,
                "trend": r["trend"],
                "systemic": "yes" if r["systemic"] else "",
            }
            for r in rows
        ]
        for kind, rows in changes.items()
    }


def quarter_actions(coes: Sequence[COE], q: str, today: str | None = None) -> dict[str, list[dict]]:
    """:func:`analytics.followthrough.period_actions` for quarter ``q``, judged as the report
    judges it (at the quarter's last day, or today while it runs)."""
    period = Period.of_quarter(q)
    return period_actions(coes, period, as_of(period, today))


def severity_order(mix) -> list[str]:
    """Severity buckets in scale order, worst first."""
    return severity.order(mix)


def severity_donut(mix: dict[str, int]) -> go.Figure:
    """A small donut of one quarter's severity mix."""
    if not mix:
        return empty_figure("No COEs in this quarter", height=240)
    keys = severity_order(mix)
    pie = {
        "type": "pie",
        "labels": [_esc(k) for k in keys],
        "values": [mix[k] for k in keys],
        "hole": 0.55,
        "sort": False,
        "marker": {"colors": [SEVERITY_COLOURS.get(k, MUTED) for k in keys]},
        "textinfo": "label+value",
        "hovertemplate": "%{label}: %{value} COEs<extra></extra>",
    }
    return _figure([pie], height=240, showlegend=False)


def causal_subgraph(
    C,
    theme_ids: Sequence[str],
    *,
    min_weight: int = 2,
    max_nodes: int = 60,
    depth: int = 3,
    per_node: int | None = None,
) -> tuple[list[dict], list[dict]]:
    """The part of the theme-level causal graph that leads into the given themes.

    Walks back from each theme along edges carrying at least ``min_weight`` chains, up to
    ``depth`` steps, keeping the heaviest edges first until ``max_nodes`` nodes are in. With
    ``per_node``, each node keeps only its ``per_node`` heaviest incoming steps: the strongest
    explanations of a theme, not every chain that ever touched it.

    Parameters
    ----------
    C : networkx.DiGraph
        :func:`analytics.causal.causal_graph` output (``weight`` and ``coe_count`` attributes).
    theme_ids : sequence of str
        The themes to explain, most important first.

    Returns
    -------
    (nodes, edges)
        ``nodes``: ``{"id", "coe_count", "depth", "kind", "label"}``;
        ``edges``: ``{"source", "target", "weight"}`` between kept nodes; with ``per_node``,
        each node's ``per_node`` heaviest incoming ones from nodes found further back, and
        the edges the walk took.
    """
    # level: how many steps back from a theme the walk found a node (themes are 0).
    level: dict[str, int] = {t: 0 for t in theme_ids if t in C}
    walked: dict[tuple[str, str], int] = {}
    frontier = list(level)
    for step in range(1, depth + 1):
        incoming = []
        for v in frontier:
            strong = sorted(
                (
                    (w, u, v)
                    for u, _v, w in C.in_edges(v, data="weight", default=1)
                    if w >= min_weight and u not in level
                ),
                key=lambda e: (-e[0], e[1]),
            )
            incoming.extend(strong[:per_node] if per_node else strong)
        incoming.sort(key=lambda e: (-e[0], e[1]))
        frontier = []
        for w, u, v in incoming:
            if len(level) >= max_nodes:
                break
            if u not in level:
                level[u] = step
                frontier.append(u)
                walked[(u, v)] = w
    keep = level
    nodes = [
        {
            "id": n,
            "coe_count": C.nodes[n].get("coe_count", 0),
            "depth": C.nodes[n].get("depth", 0.0),
            "kind": C.nodes[n].get("kind", ""),
            "label": C.nodes[n].get("label", n),
        }
        for n in keep
    ]
    edges: dict[tuple[str, str], int] = dict(walked)
    for v in keep:
        # Edges run from a later level to an earlier one only, so the drawing has depth + 1
        # columns however the kept steps happen to link up among themselves.
        into = sorted(
            (
                (w, u)
                for u, _v, w in C.in_edges(v, data="weight", default=1)
                if u in keep and w >= min_weight and (not per_node or keep[u] > keep[v])
            ),
            key=lambda e: (-e[0], e[1]),
        )
        edges.update(((u, v), w) for w, u in (into[:per_node] if per_node else into))
    return nodes, [{"source": u, "target": v, "weight": w} for (u, v), w in edges.items()]
