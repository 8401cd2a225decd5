"""The report's charts: plotly figures built from the report dict alone (pure, no store).

Text shown in a chart goes through plotly's small HTML subset (``<b>``, ``<br>``), so document
text is escaped before it becomes a label or a hover line.
"""

from __future__ import annotations

from html import escape

import plotly.graph_objects as go

from analytics import severity

INK = "#1f2933"
MUTED = "#7b8794"
GRID = "#e4e7eb"
ACCENT = "#2563eb"
PREVIOUS = "#cbd2d9"
SEVERITY_COLOURS = severity.COLOURS
STATE_COLOURS = {"done": "#059669", "open": "#93c5fd", "overdue": "#dc2626"}
FONT = "Inter, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
TOP = 12


def _esc(text: object) -> str:
    return escape(str(text), quote=False)


def _short(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _axis(**extra) -> dict:
    return {"gridcolor": GRID, "linecolor": GRID, "zeroline": False, "automargin": True, **extra}


def _figure(traces: list[dict], *, height: int, title: str, **layout) -> go.Figure:
    base = {
        "template": "none",
        "height": height,
        "title": {"text": _esc(title), "x": 0, "xanchor": "left", "font": {"size": 14}},
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "font": {"family": FONT, "size": 12, "color": INK},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "legend": {
            "orientation": "h",
            "x": 0,
            "y": -0.15,
            "yanchor": "top",
            "traceorder": "normal",
        },
        "xaxis": _axis(**layout.pop("xaxis", {})),
        "yaxis": _axis(**layout.pop("yaxis", {})),
    }
    return go.Figure(data=traces, layout={**base, **layout})


def _count_ticks(largest: int) -> dict:
    # Counts are whole numbers: no 0.5 ticks on a small axis.
    return {"dtick": 1} if largest <= 8 else {"tickformat": "d"}


def quarter_volume_figure(by_quarter: list[dict]) -> go.Figure:
    """COEs per quarter, stacked by severity; the period's quarters are shaded."""
    quarters = [r["quarter"] for r in by_quarter]
    traces = [
        {
            "type": "bar",
            "name": sev,
            "x": quarters,
            "y": [r[sev] for r in by_quarter],
            "marker": {"color": colour},
            "hovertemplate": f"%{{x}} · {sev}: %{{y}}<extra></extra>",
        }
        for sev, colour in SEVERITY_COLOURS.items()
        if any(r.get(sev) for r in by_quarter)
    ]
    shaded = [q for q, r in zip(quarters, by_quarter, strict=True) if r["in_period"]]
    shapes = (
        [
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": quarters.index(shaded[0]) - 0.5,
                "x1": quarters.index(shaded[-1]) + 0.5,
                "y0": 0,
                "y1": 1,
                "fillcolor": "#eff4ff",
                "line": {"width": 0},
                "layer": "below",
            }
        ]
        if shaded
        else []
    )
    return _figure(
        traces,
        height=320,
        title="COEs by quarter and severity",
        barmode="stack",
        shapes=shapes,
        xaxis={"type": "category"},
        yaxis={"title": {"text": "COEs"}},
    )


def detection_figure(by_quarter: list[dict]) -> go.Figure:
    """Median minutes to detect and to mitigate, by quarter."""
    quarters = [r["quarter"] for r in by_quarter]
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": quarters,
            "y": [r[key] for r in by_quarter],
            "line": {"color": colour, "width": 2},
            "hovertemplate": f"%{{x}} · {name}: %{{y}} min<extra></extra>",
        }
        for key, name, colour in (
            ("median_ttd", "time to detect", ACCENT),
            ("median_ttm", "time to mitigate", "#db2777"),
        )
    ]
    return _figure(
        traces,
        height=320,
        title="Median time to detect and mitigate (minutes)",
        xaxis={"type": "category"},
        yaxis={"title": {"text": "minutes"}, "rangemode": "tozero"},
    )


def systemic_figure(systemic: list[dict], period: str, previous: str) -> go.Figure:
    """The most systemic themes of the period: COEs this period against the period before."""
    rows = systemic[:TOP][::-1]  # plotly draws the first category at the bottom
    names = [_esc(_short(f"{r['id']} · {r['label']}", 48)) for r in rows]
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            "name": _esc(label),
            "y": names,
            "x": [r[key] for r in rows],
            "marker": {"color": colour},
            "hovertemplate": f"%{{y}}<br>{_esc(label)}: %{{x}} COEs<extra></extra>",
        }
        for key, label, colour in (
            ("coes_previous", previous, PREVIOUS),
            ("coes_in_period", period, ACCENT),
        )
    ]
    return _figure(
        traces,
        height=max(260, 60 + 34 * len(rows)),
        title="Systemic themes: COEs this period and the period before",
        barmode="group",
        xaxis={"title": {"text": "COEs"}, **_count_ticks(max(r["coes_in_period"] for r in rows))},
        yaxis={"type": "category"},
    )


def follow_through_figure(themes: list[dict]) -> go.Figure:
    """Actions of the themes with the most overdue: done, open on time, overdue."""
    rows = themes[:TOP][::-1]
    names = [_esc(_short(f"{r['id']} · {r['label']}", 48)) for r in rows]
    parts = {
        "done": [r["done"] for r in rows],
        "open": [r["open"] - r["overdue"] for r in rows],
        "overdue": [r["overdue"] for r in rows],
    }
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            "name": state,
            "y": names,
            "x": values,
            "marker": {"color": STATE_COLOURS[state]},
            "hovertemplate": f"%{{y}}<br>{state}: %{{x}} actions<extra></extra>",
        }
        for state, values in parts.items()
    ]
    return _figure(
        traces,
        height=max(260, 60 + 28 * len(rows)),
        title="Action follow-through: themes with the most overdue actions",
        barmode="stack",
        xaxis={"title": {"text": "actions"}, **_count_ticks(max(r["actions"] for r in rows))},
        yaxis={"type": "category"},
    )


def report_figures(report: dict) -> dict[str, go.Figure]:
    """The charts the HTML report shows, by name; charts with nothing to show are left out."""
    figures: dict[str, go.Figure] = {}
    if report["by_quarter"]:
        figures["volume"] = quarter_volume_figure(report["by_quarter"])
        figures["detection"] = detection_figure(report["by_quarter"])
    if report["systemic"]:
        figures["systemic"] = systemic_figure(
            report["systemic"], report["period"]["label"], report["previous"]["label"]
        )
    if report["follow_through"]["themes"]:
        figures["follow_through"] = follow_through_figure(report["follow_through"]["themes"])
    return figures
