"""Every real postmortem in the shared corpora parses, and the parts that matter are found.

The corpora live outside the repository (/work/shared/corpora, never copied in); the tests are
skipped where they are absent, and fail there under CI (the ``real_corpora`` fixture).
"""

from __future__ import annotations

from pathlib import Path

from analytics.parsers import ParseError, parse_path
from analytics.parsers import sections as S
from analytics.parsers.blocks import Line
from analytics.parsers.markdown import split_document
from analytics.parsers.metadata import split_front_matter

NOT_INCIDENTS = {"LICENSE", "README.md"}
DFDS_503 = "dfds/PM2021-005_-_All_services_returning_503_in_Kubernetes.md"


def _documents(corpora: Path) -> list[Path]:
    return sorted(
        p
        for d in corpora.iterdir()
        if d.is_dir()
        for p in d.iterdir()
        if p.is_file() and p.name not in NOT_INCIDENTS
    )


def _kinds(path: Path) -> set[str]:
    lines = [Line(n, t) for n, t in enumerate(path.read_text("utf-8").splitlines(), 1)]
    _, body = split_front_matter(lines, str(path))
    return {sec.kind for sec in split_document(body).sections if sec.kind and sec.lines}


def test_every_incident_document_parses(real_corpora):
    failures = []
    for path in _documents(real_corpora):
        try:
            parse_path(path)
        except ParseError as exc:
            failures.append(str(exc))
    assert failures == []


def test_licence_and_readme_give_a_record_or_a_parse_error(real_corpora):
    outcomes = []
    for path in sorted(real_corpora.glob("*/*")):
        if path.name in NOT_INCIDENTS:
            try:
                outcomes.append(type(parse_path(path)[0]).__name__)
            except ParseError:
                outcomes.append("ParseError")
    assert outcomes and set(outcomes) <= {"COE", "ParseError"}


def test_root_causes_and_actions_found_where_sections_exist(capsys, real_corpora):
    rows = {}
    rc_due = rc_found = act_due = act_found = 0
    for path in _documents(real_corpora):
        coe = parse_path(path)[0]
        kinds = _kinds(path)
        corpus = rows.setdefault(path.parent.name, [0, 0, 0, 0, 0, 0, 0, 0])
        corpus[0] += 1
        corpus[1] += bool(coe.root_causes)
        corpus[2] += bool(coe.actions)
        corpus[3] += bool(coe.timeline)
        # a document "has" root cause / action sections when they hold any text
        if kinds & {S.ROOT_CAUSE, S.CONTRIBUTING, S.WHYS} and "template" not in path.name.lower():
            rc_due += 1
            rc_found += bool(coe.root_causes)
            corpus[4] += 1
            corpus[5] += bool(coe.root_causes)
        if S.ACTIONS in kinds and "template" not in path.name.lower():
            act_due += 1
            act_found += bool(coe.actions)
            corpus[6] += 1
            corpus[7] += bool(coe.actions)
    with capsys.disabled():
        print(
            "\ncorpus   docs  >=1 root cause  >=1 action  >=1 timeline event"
            "  | root cause where section  action where section"
        )
        for name, (n, rc, act, tl, rcd, rcf, acd, acf) in sorted(rows.items()):
            print(
                f"{name:8} {n:5}  {rc / n:14.0%}  {act / n:10.0%}  {tl / n:18.0%}"
                f"  | {rcf:>5}/{rcd:<5} {rcf / max(rcd, 1):11.0%}  {acf:>7}/{acd:<5}"
                f" {acf / max(acd, 1):7.0%}"
            )
    assert rc_due and act_due
    assert rc_found / rc_due >= 0.95
    assert act_found / act_due >= 0.95


def test_dfds_stats_become_metrics(real_corpora):
    coe = parse_path(real_corpora / DFDS_503)[0]
    assert (coe.id, coe.metrics.time_to_detect_minutes, coe.metrics.time_to_resolve_minutes) == (
        "PM2021-005",
        8.0,
        25.0,
    )


def test_dfds_timeline_table_resolved_in_utc(real_corpora):
    coe = parse_path(real_corpora / DFDS_503)[0]
    assert coe.timeline[0].at == "2021-06-22T08:21Z"
