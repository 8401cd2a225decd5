"""The result of ``coe analyze``: statements, their clusters and the run's settings.

Everything downstream (themes listing, graph, scores, search, dashboard, reports) reads this
object; it is stored as one JSON document per run in the ``analyses`` table and loaded once.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from functools import cached_property

ROOT_CAUSE, WHY, ACTION = "root_cause", "why", "action"

# A statement's id names its COE, its kind and its place there: ``COE-1#rc0`` (first root cause),
# ``COE-1#why3a`` (why ``3a``), ``COE-1#act2`` (third action). Built and read only here.
_ID_TAG = {ROOT_CAUSE: "rc", WHY: "why", ACTION: "act"}


def statement_id(coe_id: str, kind: str, ref: str | int) -> str:
    """The id of a COE's root cause / why / action statement.

    >>> statement_id("COE-1", ACTION, 2), statement_id("COE-1", WHY, "3a")
    ('COE-1#act2', 'COE-1#why3a')
    """
    return f"{coe_id}#{_ID_TAG[kind]}{ref}"


def action_ref(sid: str) -> tuple[str, int] | None:
    """``(COE id, action index)`` of an action statement id; ``None`` for any other id.

    >>> action_ref("COE-1#act2"), action_ref("COE-1#rc0")
    (('COE-1', 2), None)
    """
    coe_id, sep, k = sid.rpartition("#act")
    return (coe_id, int(k)) if sep and k.isdigit() else None


@dataclass(frozen=True)
class Statement:
    """One root cause, why-step or action of one COE, as embedded and clustered."""

    id: str
    coe: str
    kind: str
    ref: str
    text: str
    masked: str
    cluster: str | None = None


@dataclass(frozen=True)
class Cluster:
    """A theme (``T..``), action family (``A..``) or why-step cluster (``W..``)."""

    id: str
    kind: str
    label: str
    keywords: tuple[str, ...]
    representative: str
    statements: tuple[str, ...]
    coes: tuple[str, ...]
    # The taxonomy id of a known failure mechanism (:mod:`analytics.mechanisms`); None for a
    # discovered (emerging) theme, an action family or a why-step cluster.
    mechanism: str | None = None


@dataclass(frozen=True)
class Analysis:
    run: int
    created_at: str
    settings: dict
    statements: tuple[Statement, ...]
    themes: tuple[Cluster, ...]
    families: tuple[Cluster, ...]
    why_clusters: tuple[Cluster, ...]
    coe_theme: dict[str, str | None] = field(default_factory=dict)
    coords: dict[str, tuple[float, float]] = field(default_factory=dict)

    @cached_property
    def statement_by_id(self) -> dict[str, Statement]:
        return {s.id: s for s in self.statements}

    @cached_property
    def cluster_by_id(self) -> dict[str, Cluster]:
        return {c.id: c for c in (*self.themes, *self.families, *self.why_clusters)}

    def to_json(self) -> str:
        # The records are flat (strings, tuples, dicts of plain values), so their __dict__ is
        # already JSON-ready: dataclasses.asdict's deep copy took seconds at 100,000 statements.
        return json.dumps(
            {
                "settings": self.settings,
                "statements": [s.__dict__ for s in self.statements],
                "themes": [c.__dict__ for c in self.themes],
                "families": [c.__dict__ for c in self.families],
                "why_clusters": [c.__dict__ for c in self.why_clusters],
                "coe_theme": self.coe_theme,
                "coords": self.coords,
            }
        )

    @classmethod
    def from_row(cls, run: int, created_at: str, result: str) -> Analysis:
        data = json.loads(result)

        def clusters(key):
            return tuple(
                Cluster(
                    **{
                        **c,
                        "keywords": tuple(c["keywords"]),
                        "statements": tuple(c["statements"]),
                        "coes": tuple(c["coes"]),
                    }
                )
                for c in data[key]
            )

        return cls(
            run=run,
            created_at=created_at,
            settings=data["settings"],
            statements=tuple(Statement(**s) for s in data["statements"]),
            themes=clusters("themes"),
            families=clusters("families"),
            why_clusters=clusters("why_clusters"),
            coe_theme=data["coe_theme"],
            coords={k: tuple(v) for k, v in data["coords"].items()},
        )


# Runs kept in the store: nothing reads an older run, and each is tens of MB at 10,000 COEs
# (a warm worker makes frequent small runs cheap, and they would pile up).
KEEP_RUNS = 5


def save_analysis(conn: sqlite3.Connection, analysis: Analysis) -> int:
    """Store a run, dropping those older than the last :data:`KEEP_RUNS`; returns its number."""
    cur = conn.execute(
        "INSERT INTO analyses(settings, result) VALUES (?, ?)",
        (json.dumps(analysis.settings), analysis.to_json()),
    )
    run = int(cur.lastrowid)
    conn.execute("DELETE FROM analyses WHERE run <= ?", (run - KEEP_RUNS,))
    return run


def latest_run(conn: sqlite3.Connection) -> int | None:
    """The newest run number, cheap enough to poll on every request."""
    return conn.execute("SELECT max(run) FROM analyses").fetchone()[0]


def latest_run_key(conn: sqlite3.Connection) -> tuple[int, str] | None:
    """``(run, created_at)`` of the newest run: it names the run even in a store replaced at the
    same path, where run numbers start again."""
    row = conn.execute("SELECT run, created_at FROM analyses ORDER BY run DESC LIMIT 1").fetchone()
    return tuple(row) if row else None


def load_analysis(conn: sqlite3.Connection, run: int | None = None) -> Analysis | None:
    """The given run, else the latest; ``None`` when the store has never been analysed."""
    row = conn.execute(
        "SELECT run, created_at, result FROM analyses WHERE run = coalesce(?, (SELECT max(run) FROM analyses))",
        (run,),
    ).fetchone()
    return Analysis.from_row(*row) if row else None
