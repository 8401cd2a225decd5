"""Overview for leadership: headline numbers, the most systemic themes, theme x quarter, severity."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, html

from analytics.followthrough import DONE
from dashboard import data
from dashboard import figures as fig
from dashboard.components import card, graph, kpi
from dashboard.filters import STORE

dash.register_page(__name__, path="/", name="Overview", title="coegraph · Overview", order=0)

KPIS = "overview-kpis"
SYSTEMIC = "overview-systemic"
HEATMAP = "overview-heatmap"
SEVERITY = "overview-severity"
NOT_RECORDED = -1  # repeat despite action cannot be seen: no action records being done


def layout(**_query) -> html.Div:
    return html.Div(
        className="page-overview",
        children=[
            html.Div(
                className="page-head",
                children=[
                    html.H1("Overview"),
                    html.P(
                        "Which process failures keep coming back, across how many services, "
                        "and whether they are growing.",
                        className="lede",
                    ),
                ],
            ),
            html.Div(id=KPIS, className="kpis"),
            html.Div(
                className="grid-2",
                children=[
                    card(
                        "Most systemic themes",
                        graph(fig.empty_figure("Loading…"), SYSTEMIC),
                        subtitle="Systemic themes first, by systemic score; faded bars are "
                        "themes that are not systemic. Bar length = COEs; colour = services hit, "
                        "when the COEs name their services.",
                    ),
                    card(
                        "Themes by quarter",
                        graph(fig.empty_figure("Loading…"), HEATMAP),
                        subtitle="COEs per quarter for the same themes (up to 15), in the "
                        "same order.",
                    ),
                ],
            ),
            card(
                "Severity mix over time",
                graph(fig.empty_figure("Loading…"), SEVERITY),
                subtitle="COEs per quarter, stacked by severity.",
            ),
        ],
    )


def headline_cards(values: dict, repeats: int | None) -> list:
    """The headline row from :func:`dashboard.figures.headline` numbers."""
    share = f"{values['systemic_share']:.0%}" if values["coes"] else "—"
    return [
        kpi("COEs", f"{values['coes']:,}"),
        kpi(
            "Services affected",
            "—" if values["services"] is None else f"{values['services']:,}",
            "services not named in these COEs" if values["services"] is None else None,
        ),
        kpi("Themes", f"{values['themes']:,}", f"{values['systemic_themes']} systemic"),
        kpi("COEs in a systemic theme", share),
        kpi(
            "Repeat despite action",
            "n/a" if repeats is None else "—" if repeats == NOT_RECORDED else f"{repeats:,}",
            "follow-through not available"
            if repeats is None
            else "no action is recorded as done by a due date"
            if repeats == NOT_RECORDED
            else "theme came back after an earlier COE's action was done and due",
        ),
    ]


@callback(
    Output(KPIS, "children"),
    Output(SYSTEMIC, "figure"),
    Output(HEATMAP, "figure"),
    Output(SEVERITY, "figure"),
    Input(STORE, "data"),
)
def update(filters_data: dict | None):
    snapshot = data.current()
    filters = data.Filters.from_store(filters_data)
    coes = snapshot.filtered(filters)
    rows = snapshot.theme_rows(filters)
    quarters = [
        q
        for q in snapshot.quarters
        if (not filters.quarter_from or q >= filters.quarter_from)
        and (not filters.quarter_to or q <= filters.quarter_to)
    ]
    repeats = None
    if snapshot.repeats is not None:
        repeats = sum(c.id in snapshot.repeats for c in coes)
        # A repeat needs an earlier action recorded as done by a due date; with none such
        # (documents that give no action status), 0 would claim every fix held.
        if not repeats and not any(a.status == DONE and a.due for c in coes for a in c.actions):
            repeats = NOT_RECORDED
    values = fig.headline(coes, rows, snapshot.systemic_share(filters))
    return (
        headline_cards(values, repeats),
        fig.systemic_themes_figure(rows),
        fig.theme_quarter_heatmap(rows, quarters),
        fig.severity_mix_figure(coes, quarters),
    )
