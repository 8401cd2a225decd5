"""Cluster exports (CSV, XLSX, JSON) and blameless redaction of people's names."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import Workbook, load_workbook

from analytics.analysis import load_analysis
from analytics.analyze import Settings, analyze
from analytics.export import (
    FORMATS,
    KINDS,
    cluster_export,
    export_bytes,
    export_clusters,
    spreadsheet_safe,
)
from analytics.ingest import ingest
from analytics.parsers import parse_path
from analytics.record import COE, Action, Why
from analytics.redact import PLACEHOLDER, person_names, redact, redact_text
from analytics.report.xlsx import workbook_bytes, write_sheet
from analytics.sample import generate_corpus
from analytics.scores import theme_stats
from analytics.store import load_coes, open_store

# --- redaction on literal text ---------------------------------------------------------------


def test_redact_text_replaces_whole_names_only() -> None:
    names = ["Michael White", "Michael"]
    assert redact_text("Michael White pushed it; Michael later agreed.", names) == (
        f"{PLACEHOLDER} pushed it; {PLACEHOLDER} later agreed."
    )
    kept = "Michaelson, @michael and michael-white-bot are not the person"
    assert redact_text(kept, names) == kept
    assert redact_text("anything", []) == "anything"


def test_redact_walks_nested_values_and_keeps_keys() -> None:
    data = {"Ana Silva": ["Ana Silva's change", ("Ana Silva",), 3, None], "n": 1.5}
    assert redact(data, ["Ana Silva"], "[sre]") == {
        "Ana Silva": ["[sre]'s change", ("[sre]",), 3, None],
        "n": 1.5,
    }


def test_person_names_ignore_services_and_teams() -> None:
    coe = COE(
        "C1",
        "Jenkins pipeline outage on payments-api",
        services=("payments-api", "hudson"),
        team="Hudson",
        whys=(Why("1", None, None, "Priya Patel merged the change to Hudson without review."),),
        actions=(Action(None, "Add a Jenkins check", owner="Thomas Baker"),),
    )
    assert sorted(person_names([coe])) == ["Priya Patel", "Thomas Baker"]


# --- a generated corpus with names in root causes and owners ---------------------------------


def _plant_names(root, labels: dict) -> dict[str, str]:
    """Rewrite every COE that names someone so its root cause and first owner name them too.

    The generator puts names in why-steps and timelines, which exports do not carry; a root
    cause that blames a person, and a person as an owner, is what a blameless export must
    catch. The rewritten record is saved as a JSON document in place of the original.
    """
    planted = {}
    for cid, entry in labels["coes"].items():
        if not entry["named_people"]:
            continue
        name = entry["named_people"][0]
        path = root / "corpus" / entry["file"].removeprefix("corpus/")
        record = parse_path(path)[0].to_dict()
        record.pop("source"), record.pop("warnings")
        record["root_causes"] = [f"{name} pushed it without review; {record['root_causes'][0]}"]
        if record["actions"]:
            record["actions"][0]["owner"] = name
        path.unlink()
        (path.parent / f"{cid}.json").write_text(json.dumps(record), encoding="utf-8")
        planted[cid] = name
    return planted


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    labels = generate_corpus(180, 5, root)
    planted = _plant_names(root, labels)
    conn = open_store(root / "store.db")
    ingest(conn, [root / "corpus"])
    analyze(conn, Settings(embedder="tfidf"), log=lambda _: None)
    analysis, coes = load_analysis(conn), load_coes(conn)
    conn.close()
    names = {n for e in labels["coes"].values() for n in e["named_people"]}
    return {"analysis": analysis, "coes": coes, "planted": planted, "names": names}


def _text(data: bytes, fmt: str) -> str:
    if fmt != "xlsx":
        return data.decode("utf-8-sig")
    wb = load_workbook(io.BytesIO(data))
    return "\n".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row
    )


def test_every_theme_is_exported_with_its_members(world) -> None:
    analysis, coes = world["analysis"], world["coes"]
    data = cluster_export(analysis, coes, "themes")
    stats = theme_stats(analysis, coes)
    assert [c["id"] for c in data["clusters"]] == [r["id"] for r in stats]
    assert [c["score"] for c in data["clusters"]] == [r["score"] for r in stats]
    by_id = {c.id: c for c in coes}
    statements = analysis.statement_by_id
    for cluster, theme in zip(
        data["clusters"], (analysis.cluster_by_id[r["id"]] for r in stats), strict=True
    ):
        assert sorted(m["statement_id"] for m in cluster["members"]) == sorted(theme.statements)
        for m in cluster["members"]:
            s = statements[m["statement_id"]]
            assert (m["coe"], m["statement"]) == (s.coe, s.text)
            assert m["title"] == by_id[s.coe].title
            assert m["services"] == list(by_id[s.coe].services)
        dates = [m["date"] for m in cluster["members"]]
        assert dates == sorted(dates)


def test_action_families_are_scored_by_size_with_action_fields(world) -> None:
    analysis, coes = world["analysis"], world["coes"]
    data = cluster_export(analysis, coes, "actions")
    assert {c["id"] for c in data["clusters"]} == {f.id for f in analysis.families}
    sizes = [c["score"] for c in data["clusters"]]
    assert sizes == sorted(sizes, reverse=True)
    assert all(c["score"] == len(c["members"]) for c in data["clusters"])
    by_id = {c.id: c for c in coes}
    member = data["clusters"][0]["members"][0]
    action = by_id[member["coe"]].actions[int(member["statement_id"].rsplit("#act", 1)[1])]
    assert member["statement"] == action.title
    assert (member["owner"], member["due"], member["status"]) == (
        action.owner,
        action.due,
        action.status,
    )


@pytest.mark.parametrize("kind", KINDS)
def test_csv_has_one_row_per_member(world, kind) -> None:
    analysis, coes = world["analysis"], world["coes"]
    data = cluster_export(analysis, coes, kind)
    rows = list(
        csv.DictReader(io.StringIO(export_bytes(analysis, coes, kind, "csv").decode("utf-8-sig")))
    )
    assert len(rows) == sum(len(c["members"]) for c in data["clusters"]) > 0
    first = data["clusters"][0]
    assert rows[0]["cluster"] == first["id"] and rows[0]["label"] == first["label"]
    assert rows[0]["statement_id"] == first["members"][0]["statement_id"]


@pytest.mark.parametrize("kind", KINDS)
def test_xlsx_has_clusters_and_members_sheets(world, kind) -> None:
    analysis, coes = world["analysis"], world["coes"]
    data = cluster_export(analysis, coes, kind)
    wb = load_workbook(io.BytesIO(export_bytes(analysis, coes, kind, "xlsx")))
    assert wb.sheetnames == ["Clusters", "Members"]
    clusters, members = wb["Clusters"], wb["Members"]
    assert clusters.max_row - 1 == len(data["clusters"])
    assert members.max_row - 1 == sum(len(c["members"]) for c in data["clusters"])
    for ws in (clusters, members):
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert 8 <= ws.column_dimensions["B"].width <= 60
    header = [c.value for c in clusters[1]]
    assert header[:4] == [
        "Cluster",
        "Label",
        "Keywords",
        "Score" if kind == "themes" else "Members",
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_json_nests_members_in_clusters(world, kind, tmp_path) -> None:
    analysis, coes = world["analysis"], world["coes"]
    path = export_clusters(analysis, coes, kind=kind, path=tmp_path / f"{kind}.json")
    assert json.loads(path.read_text()) == cluster_export(analysis, coes, kind)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_redacted_exports_name_nobody(world, kind, fmt) -> None:
    analysis, coes = world["analysis"], world["coes"]
    assert len(world["planted"]) >= 2
    plain = _text(export_bytes(analysis, coes, kind, fmt), fmt)
    # The planted root causes (themes) and owners (actions) do carry names without redaction.
    assert any(name in plain for name in world["planted"].values())
    redacted = _text(export_bytes(analysis, coes, kind, fmt, redact_names=True), fmt)
    leaked = sorted(n for n in world["names"] if n in redacted)
    assert leaked == []
    assert PLACEHOLDER in redacted


def test_spreadsheets_never_run_document_text() -> None:
    assert spreadsheet_safe('=HYPERLINK("http://x","y")').startswith("'=")
    assert spreadsheet_safe("+cmd|' /C calc'!A0").startswith("'+")
    assert spreadsheet_safe("@edge-oncall") == "@edge-oncall"
    assert spreadsheet_safe("-5% error rate") == "-5% error rate"
    wb = Workbook()
    wb.remove(wb.active)
    write_sheet(wb, "T", [("a", "A")], [{"a": "=1+1"}])
    cell = load_workbook(io.BytesIO(workbook_bytes(wb)))["T"]["A2"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")


def test_unknown_kind_or_format_is_rejected(world, tmp_path) -> None:
    analysis, coes = world["analysis"], world["coes"]
    with pytest.raises(ValueError, match="unknown cluster kind"):
        cluster_export(analysis, coes, "whys")
    with pytest.raises(ValueError, match="unknown export format"):
        export_bytes(analysis, coes, "themes", "parquet")
    with pytest.raises(ValueError, match="cannot tell the export format"):
        export_clusters(analysis, coes, path=tmp_path / "x.txt")
