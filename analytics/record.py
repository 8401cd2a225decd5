"""The COE record: one schema for every document format (DESIGN.md, "The COE record").

Records are frozen dataclasses so that a parsed document cannot be changed behind the store's
back; ``to_dict``/``from_dict`` give the stable JSON form that ``coe parse --format json`` prints
and the store keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Impact:
    summary: str = ""
    duration_minutes: float | None = None
    customers_affected: int | None = None
    requests_failed_pct: float | None = None


@dataclass(frozen=True)
class TimelineEvent:
    at: str | None
    event: str


@dataclass(frozen=True)
class Metrics:
    time_to_detect_minutes: float | None = None
    time_to_mitigate_minutes: float | None = None
    time_to_resolve_minutes: float | None = None


@dataclass(frozen=True)
class Why:
    id: str
    parent: str | None
    question: str | None
    answer: str


@dataclass(frozen=True)
class Action:
    id: str | None
    title: str
    priority: str | None = None
    owner: str | None = None
    due: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class Source:
    path: str
    format: str
    sha256: str


@dataclass(frozen=True)
class COE:
    id: str
    title: str
    services: tuple[str, ...] = ()
    team: str | None = None
    severity: str | None = None
    date: str | None = None
    impact: Impact = field(default_factory=Impact)
    timeline: tuple[TimelineEvent, ...] = ()
    metrics: Metrics = field(default_factory=Metrics)
    whys: tuple[Why, ...] = ()
    root_causes: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()
    related: tuple[str, ...] = ()
    source: Source = field(default_factory=lambda: Source(path="", format="", sha256=""))
    warnings: tuple[str, ...] = ()
    # where a field was read from when that is worth weighing: {"root_causes": "prose"} for
    # causes found in running text rather than under a cause heading; empty when all came
    # from the document's sections or fields
    provenance: dict[str, str] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready data, lists in place of tuples.

        Written out field by field: ``dataclasses.asdict`` deep-copies every value and was a
        sixth of ingest time.
        """
        return {
            "id": self.id,
            "title": self.title,
            "services": list(self.services),
            "team": self.team,
            "severity": self.severity,
            "date": self.date,
            "impact": dict(self.impact.__dict__),
            "timeline": [dict(e.__dict__) for e in self.timeline],
            "metrics": dict(self.metrics.__dict__),
            "whys": [dict(w.__dict__) for w in self.whys],
            "root_causes": list(self.root_causes),
            "actions": [dict(a.__dict__) for a in self.actions],
            "related": list(self.related),
            "source": dict(self.source.__dict__),
            "warnings": list(self.warnings),
            "provenance": dict(self.provenance),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> COE:
        """Rebuild a record from :meth:`to_dict` output (the store's JSON column)."""
        return cls(
            id=data["id"],
            title=data.get("title", ""),
            services=tuple(data.get("services") or ()),
            team=data.get("team"),
            severity=data.get("severity"),
            date=data.get("date"),
            impact=Impact(**(data.get("impact") or {})),
            timeline=tuple(TimelineEvent(**e) for e in data.get("timeline") or ()),
            metrics=Metrics(**(data.get("metrics") or {})),
            whys=tuple(Why(**w) for w in data.get("whys") or ()),
            root_causes=tuple(data.get("root_causes") or ()),
            actions=tuple(Action(**a) for a in data.get("actions") or ()),
            related=tuple(data.get("related") or ()),
            source=Source(**(data.get("source") or {"path": "", "format": "", "sha256": ""})),
            warnings=tuple(data.get("warnings") or ()),
            provenance=dict(data.get("provenance") or {}),
        )


def why_parents(whys: tuple[Why, ...]) -> dict[str, str | None]:
    """The parent each why hangs from in its tree (``None``: it starts a chain).

    The one rule for walking ``Why.parent`` links, used wherever a why tree is read: a parent
    that is missing, unknown or the why itself starts a chain; in document order, a link that
    would close a cycle is cut (the why that closes it starts a chain). A why id given twice is
    one node, placed by its first link.

    >>> why_parents((Why("1", "1", None, "a"), Why("2", "3", None, "b"), Why("3", "2", None, "c")))
    {'1': None, '2': '3', '3': None}
    """
    parent: dict[str, str | None] = {}
    ids = {w.id for w in whys}
    for why in whys:
        if why.id in parent:
            continue
        up = why.parent if why.parent in ids and why.parent != why.id else None
        # Cut the link when the proposed parent already hangs (through kept links) from this why.
        above = up
        while above is not None:
            if above == why.id:
                up = None
                break
            above = parent.get(above)
        parent[why.id] = up
    return parent


def why_children(whys: tuple[Why, ...]) -> dict[str | None, list[str]]:
    """Parent id -> the ids hanging from it, in document order; ``None`` holds the first whys."""
    children: dict[str | None, list[str]] = {}
    for why_id, up in why_parents(whys).items():
        children.setdefault(up, []).append(why_id)
    return children


def why_depths(whys: tuple[Why, ...]) -> dict[str, int]:
    """Depth of every why in its tree (the first why of a chain is 1), by :func:`why_parents`.

    >>> why_depths((Why("1", None, None, "a"), Why("2", "1", None, "b"), Why("3", "2", None, "c")))
    {'1': 1, '2': 2, '3': 3}
    """
    parent = why_parents(whys)
    depth: dict[str, int] = {}
    for why_id in parent:
        path = []
        node: str | None = why_id
        while node is not None and node not in depth:
            path.append(node)
            node = parent[node]
        base = depth[node] if node is not None else 0
        for offset, step in enumerate(reversed(path), start=1):
            depth[step] = base + offset
    return depth


def why_paths(whys: tuple[Why, ...]) -> list[list[Why]]:
    """Each root-to-leaf path of the why tree, by :func:`why_parents`, in document order."""
    by_id: dict[str, Why] = {}
    for why in whys:
        by_id.setdefault(why.id, why)
    children = why_children(whys)
    paths: list[list[Why]] = []
    stack = [[root] for root in reversed(children.get(None, []))]
    while stack:
        path = stack.pop()
        kids = children.get(path[-1], [])
        if not kids:
            paths.append([by_id[i] for i in path])
        stack.extend([*path, kid] for kid in reversed(kids))
    return paths


def leaf_whys(whys: tuple[Why, ...]) -> list[Why]:
    """The whys no other why deepens (by :func:`why_parents`): where each branch stops."""
    parents = set(why_parents(whys).values())
    return [w for w in whys if w.id not in parents]
