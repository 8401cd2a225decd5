"""The global filter bar (quarter range, service, team, severity) and its app-level store.

The controls live in the app shell, outside the page container, so they stay put while the
user moves between pages; their value is mirrored into one ``dcc.Store`` that every page's
callbacks take as an input. The controls persist per browser session, so a reload keeps them.
"""

from __future__ import annotations

from dash import Input, Output, dcc, html

from dashboard.data import Filters, Snapshot

STORE = "filters-store"
QUARTERS = "filters-quarters"
SERVICES = "filters-services"
TEAMS = "filters-teams"
SEVERITIES = "filters-severities"
RESET = "filters-reset"
SUMMARY = "filters-summary"


def quarter_marks(quarters: list[str], most: int = 8) -> dict[int, str]:
    """Slider marks: every quarter when there are few, else evenly thinned (ends kept).

    The slider is about 380 px wide and a "2025Q1" mark about 45 px: more than eight marks run
    together ("2024Q12024Q2…").

    >>> quarter_marks(["2025Q1", "2025Q2", "2025Q3"])
    {0: '2025Q1', 1: '2025Q2', 2: '2025Q3'}
    >>> sorted(quarter_marks([f"q{i}" for i in range(8)], most=3))  # 6 would crowd 7's label
    [0, 3, 7]
    """
    if not quarters:
        return {}
    step = max(1, -(-len(quarters) // most))
    last = len(quarters) - 1
    keep = {i for i in range(0, len(quarters), step) if last - i >= step} | {last}
    return {i: q for i, q in enumerate(quarters) if i in keep}


def filter_bar(snapshot: Snapshot) -> html.Div:
    """The filter controls for the snapshot's quarters, services, teams and severities."""
    quarters = snapshot.quarters
    last = max(len(quarters) - 1, 0)
    return html.Div(
        className="filter-bar",
        children=[
            html.Div(
                className="filter filter-range",
                children=[
                    html.Label("Quarters", htmlFor=QUARTERS),
                    dcc.RangeSlider(
                        id=QUARTERS,
                        min=0,
                        max=last,
                        step=1,
                        value=[0, last],
                        marks=quarter_marks(quarters),
                        allowCross=False,
                        persistence=True,
                        persistence_type="session",
                        updatemode="mouseup",
                        allow_direct_input=False,
                    ),
                ],
            ),
            _dropdown("Service", SERVICES, snapshot.services),
            _dropdown("Team", TEAMS, snapshot.teams),
            _dropdown("Severity", SEVERITIES, snapshot.severities),
            html.Button("Reset", id=RESET, className="button button-quiet", n_clicks=0),
        ],
    )


def _dropdown(label: str, cid: str, options: list[str]) -> html.Div:
    return html.Div(
        className="filter",
        children=[
            html.Label(label, htmlFor=cid),
            dcc.Dropdown(
                id=cid,
                options=options,
                value=[],
                multi=True,
                placeholder="All",
                persistence=True,
                persistence_type="session",
            ),
        ],
    )


def filters_from_controls(
    quarter_range: list[int] | None,
    services: list[str] | None,
    teams: list[str] | None,
    severities: list[str] | None,
    quarters: list[str],
) -> Filters:
    """The :class:`Filters` the controls describe (a full quarter range is no filter)."""
    q_from = q_to = None
    if quarters and quarter_range and len(quarter_range) == 2:
        lo, hi = (max(0, min(int(v), len(quarters) - 1)) for v in quarter_range)
        if lo > 0:
            q_from = quarters[lo]
        if hi < len(quarters) - 1:
            q_to = quarters[hi]
    return Filters(
        quarter_from=q_from,
        quarter_to=q_to,
        services=tuple(sorted(services or ())),
        teams=tuple(sorted(teams or ())),
        severities=tuple(sorted(severities or ())),
    )


def describe(filters: Filters, n_shown: int, n_total: int) -> str:
    """One line saying what the filters keep, for the bar's summary.

    >>> describe(Filters(), 10, 10)
    'All 10 COEs'
    """
    if filters == Filters():
        return f"All {n_total} COEs"
    return f"{n_shown} of {n_total} COEs"


def register(app) -> None:
    """App-level callbacks: controls -> store, reset button -> controls."""
    from dashboard import data

    @app.callback(
        Output(STORE, "data"),
        Output(SUMMARY, "children"),
        Input(QUARTERS, "value"),
        Input(SERVICES, "value"),
        Input(TEAMS, "value"),
        Input(SEVERITIES, "value"),
    )
    def update_store(quarter_range, services, teams, severities):
        snapshot = data.current()
        filters = filters_from_controls(
            quarter_range, services, teams, severities, snapshot.quarters
        )
        shown = len(snapshot.filtered(filters))
        return filters.to_store(), describe(filters, shown, len(snapshot.coes))

    @app.callback(
        Output(QUARTERS, "value"),
        Output(SERVICES, "value"),
        Output(TEAMS, "value"),
        Output(SEVERITIES, "value"),
        Input(RESET, "n_clicks"),
        prevent_initial_call=True,
    )
    def reset(_clicks):
        last = max(len(data.current().quarters) - 1, 0)
        return [0, last], [], [], []
