from __future__ import annotations

import json

import pytest

from analytics.parsers import ParseError, parse_text
from analytics.record import Action, Why


def test_json_field_aliases():
    doc = {
        "coeId": "COE-9",
        "title": "DNS outage",
        "rootCause": "TTL too long",
        "actionItems": ["Lower TTL (owner: net, P1)"],
        "services": "dns; Edge Proxy",
    }
    c = parse_text(json.dumps(doc), "d.json")[0]
    assert (c.id, c.root_causes, c.actions[0].title, c.services) == (
        "COE-9",
        ("TTL too long",),
        "Lower TTL",
        ("dns", "edge-proxy"),
    )


def test_json_whys_as_objects_with_parent():
    doc = {
        "title": "t",
        "five_whys": [
            {"id": "1", "question": "Why?", "answer": "A"},
            {"id": "2a", "parent": "1", "question": "Why A?", "answer": "B"},
            {"id": "2b", "parent": "1", "question": "Why else?", "answer": "C"},
        ],
    }
    c = parse_text(json.dumps(doc), "d.json")[0]
    assert [(w.id, w.parent) for w in c.whys] == [("1", None), ("2a", "1"), ("2b", "1")]


def test_json_whys_as_strings_form_a_chain():
    c = parse_text(json.dumps({"title": "t", "whys": ["A", "B"]}), "d.json")[0]
    assert c.whys == (Why("1", None, None, "A"), Why("2", "1", None, "B"))


def test_json_root_causes_default_to_why_leaves():
    c = parse_text(json.dumps({"title": "t", "whys": ["A", "B"]}), "d.json")[0]
    assert c.root_causes == ("B",)


def test_json_action_objects_with_aliases():
    doc = {
        "title": "t",
        "action_items": [
            {
                "task": "Add alarm",
                "assignee": "@sre",
                "pri": "High",
                "deadline": "3 Mar 2025",
                "state": "Done",
            }
        ],
    }
    c = parse_text(json.dumps(doc), "d.json")[0]
    assert c.actions == (Action(None, "Add alarm", "P1", "@sre", "2025-03-03", "done"),)


def test_json_unknown_field_is_warned():
    c = parse_text(json.dumps({"title": "t", "summary": "x", "flavour": 1}), "d.json")[0]
    assert c.warnings == ("field 'flavour' not recognised, ignored",)


def test_json_list_gives_several_records():
    c = parse_text(json.dumps([{"id": "A-1", "title": "a"}, {"id": "B-2", "title": "b"}]), "d.json")
    assert [r.id for r in c] == ["A-1", "B-2"]


def test_json_metrics_object():
    doc = {"title": "t", "metrics": {"timeToDetect": "8m", "time_to_recovery": "1h"}}
    c = parse_text(json.dumps(doc), "d.json")[0]
    assert (c.metrics.time_to_detect_minutes, c.metrics.time_to_resolve_minutes) == (8.0, 60.0)


def test_malformed_json_names_line():
    with pytest.raises(ParseError, match=r"d\.json:3: malformed JSON"):
        parse_text('{\n"title": "t",\n}\n', "d.json")


def test_json_without_coe_fields_is_error():
    with pytest.raises(ParseError, match="no recognisable COE fields"):
        parse_text('{"foo": 1}', "d.json")


def test_yaml_document():
    text = "id: COE-1\ntitle: Cert expired\nroot_causes:\n  - No renewal automation\ndate: 2025-03-03\n"
    c = parse_text(text, "d.yaml")[0]
    assert (c.id, c.root_causes, c.date) == ("COE-1", ("No renewal automation",), "2025-03-03")


def test_malformed_yaml_names_line():
    with pytest.raises(ParseError, match=r"d\.yaml:2: malformed YAML"):
        parse_text("title: t\n  bad: [x\n", "d.yaml")


def test_jsonl_one_record_per_line():
    text = '{"id": "A-1", "title": "a"}\n\n{"id": "B-2", "title": "b"}\n'
    assert [c.id for c in parse_text(text, "d.jsonl")] == ["A-1", "B-2"]


def test_jsonl_bad_line_names_line():
    with pytest.raises(ParseError, match=r"d\.jsonl:2: malformed JSON"):
        parse_text('{"title": "a"}\n{"title": \n', "d.jsonl")


CSV = (
    "id,title,services,team,severity,date,summary,whys,root cause,actions\n"
    'COE-1,Cert expired,"api; web",edge,S2,3 Mar 2025,cert lapsed,'
    '"1. Why down? TLS failed 2. Why failed? Cert expired",No renewal,'
    '"Automate renewal (owner: edge, P1) | Add expiry alarm"\n'
    "COE-2,Disk full,db,,sev 3,2025-03-04,disk,Disk full | No alert,,\n"
)


def test_csv_one_record_per_row():
    assert [c.id for c in parse_text(CSV, "t.csv")] == ["COE-1", "COE-2"]


def test_csv_numbered_whys_cell():
    c = parse_text(CSV, "t.csv")[0]
    assert [(w.id, w.parent, w.answer) for w in c.whys] == [
        ("1", None, "TLS failed"),
        ("2", "1", "Cert expired"),
    ]


def test_csv_pipe_separated_cells():
    rows = parse_text(CSV, "t.csv")
    assert ([a.title for a in rows[0].actions], [w.answer for w in rows[1].whys]) == (
        ["Automate renewal", "Add expiry alarm"],
        ["Disk full", "No alert"],
    )


def test_csv_services_and_severity_normalised():
    c = parse_text(CSV, "t.csv")[0]
    assert (c.services, c.severity, c.date) == (("api", "web"), "Sev2", "2025-03-03")


def test_csv_without_coe_columns_is_error():
    with pytest.raises(ParseError, match=r"t\.csv:1: CSV header has no COE columns"):
        parse_text("a,b\n1,2\n", "t.csv")


def test_csv_unterminated_quote_is_error():
    with pytest.raises(ParseError, match=r"t\.csv:2: malformed CSV"):
        parse_text('id,title\n1,"abc\n', "t.csv")
