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
        )


def why_depths(whys: tuple[Why, ...]) -> dict[str, int]:
    """Depth of every why in its tree (the first why of a chain is 1).

    A why whose parent is missing or unknown starts a chain; a cycle in parent links is cut
    where it closes.

    >>> why_depths((Why("1", None, None, "a"), Why("2", "1", None, "b"), Why("3", "2", None, "c")))
    {'1': 1, '2': 2, '3': 3}
    """
    by_id = {w.id: w for w in whys}
    depth: dict[str, int] = {}
    for why_id in by_id:
        seen: list[str] = []
        current: str | None = why_id
        while current is not None and current in by_id and current not in depth:
            if current in seen:
                break
            seen.append(current)
            current = by_id[current].parent
        base = depth.get(current, 0) if current is not None else 0
        for offset, node in enumerate(reversed(seen), start=1):
            depth.setdefault(node, base + offset)
    return depth


def leaf_whys(whys: tuple[Why, ...]) -> list[Why]:
    """The whys no other why deepens: where each branch stops."""
    parents = {w.parent for w in whys if w.parent is not None}
    return [w for w in whys if w.id not in parents]
