"""coe parse --explain and --mapping: where each source field went, and a user's field names."""

from __future__ import annotations

import json

from click.testing import CliRunner

from analytics.cli import main
from analytics.ingest import ingest
from analytics.parsers import parse_path
from analytics.parsers.explain import explain_path
from analytics.store import load_coes, open_store

EXPORT = {
    "ref": "INC-30417",
    "headline": "Pricing engine returned stale prices",
    "blob": {"whatBroke": "The cache TTL was set to zero by a config push", "notes": "x"},
    "owningTeam": "pricing",
    "followUps": [{"task": "Validate TTL on config push", "assignee": "ana"}],
    "weird": 3,
}


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_explain_lists_where_each_export_key_went(tmp_path):
    doc = _write(tmp_path, "export.json", json.dumps(EXPORT))
    _, rows = explain_path(doc)
    to = {r["source"]: r["to"] for r in rows}
    assert to["headline"] == "title"
    assert to["followUps"] == "actions"
    assert to["ref"] == "id"
    # unknown keys, nested ones by their dotted path, are listed as ignored
    assert to["weird"] == "ignored"
    assert to["blob.whatBroke"] == "ignored"
    assert {r["record"] for r in rows} == {"INC-30417"}


def test_mapping_file_maps_dotted_paths_and_silences_ignored_keys(tmp_path):
    doc = _write(tmp_path, "export.json", json.dumps(EXPORT))
    mapping = _write(
        tmp_path, "map.yaml", "root_causes: blob.whatBroke\nignore: [weird, blob.notes]\n"
    )
    result = CliRunner().invoke(
        main, ["parse", str(doc), "--mapping", str(mapping), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["root_causes"] == ["The cache TTL was set to zero by a config push"]
    assert not any("weird" in w for w in record["warnings"])
    # without the mapping the cause is lost and the key reported
    plain = parse_path(doc)[0]
    assert plain.root_causes == ()
    assert any("whatBroke" in w for w in plain.warnings)

    explained = CliRunner().invoke(
        main, ["parse", str(doc), "--explain", "--mapping", str(mapping), "--format", "json"]
    )
    to = {r["source"]: r["to"] for r in json.loads(explained.output)}
    assert to["blob.whatBroke"] == "root_causes (mapping file)"
    assert to["weird"].startswith("skipped")


def test_mapping_file_makes_an_unknown_csv_readable(tmp_path):
    csv = _write(
        tmp_path,
        "tracker.csv",
        "Key,Subject line,What broke\nOPS-7,Queue stalled,A consumer deadlocked on a lock\n",
    )
    mapping = _write(
        tmp_path, "map.yaml", "title: Subject line\nroot_causes: What broke\nid: Key\n"
    )
    runner = CliRunner()
    refused = runner.invoke(main, ["parse", str(csv)])
    assert refused.exit_code != 0 and "no COE columns" in refused.output
    result = runner.invoke(main, ["parse", str(csv), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert (record["id"], record["title"]) == ("OPS-7", "Queue stalled")
    assert record["root_causes"] == ["A consumer deadlocked on a lock"]


def test_bad_mapping_file_is_an_error_naming_it(tmp_path):
    doc = _write(tmp_path, "export.json", json.dumps(EXPORT))
    runner = CliRunner()
    cases = {
        "typo.yaml": (
            "title: headline\nroot_cause: blob.whatBroke\n",
            "'root_cause' is not a record field",
        ),
        "list.yaml": ("- title\n", "one YAML mapping"),
        "broken.yaml": ("title: [unclosed\n", "malformed"),
        "number.yaml": ("title: 3\n", "must name a source key"),
    }
    for name, (text, message) in cases.items():
        mapping = _write(tmp_path, name, text)
        for command in (
            ["parse", str(doc)],
            ["ingest", str(doc), "--store", str(tmp_path / "s.db")],
        ):
            result = runner.invoke(main, [*command, "--mapping", str(mapping)])
            assert result.exit_code != 0
            assert name in result.output and message in result.output, result.output
    missing = runner.invoke(main, ["parse", str(doc), "--mapping", str(tmp_path / "none.yaml")])
    assert missing.exit_code != 0 and "none.yaml" in missing.output


def test_ingest_applies_the_mapping_and_rereads_stored_files(tmp_path):
    doc = _write(tmp_path, "export.json", json.dumps(EXPORT))
    mapping = _write(tmp_path, "map.yaml", "root_causes: blob.whatBroke\n")
    conn = open_store(tmp_path / "s.db")
    assert ingest(conn, [doc])[0].status == "ingested"
    assert load_coes(conn)[0].root_causes == ()
    from analytics.parsers.mapping import load_mapping

    result = ingest(conn, [doc], mapping=load_mapping(mapping))[0]
    assert result.status == "updated"
    assert load_coes(conn)[0].root_causes == ("The cache TTL was set to zero by a config push",)


def test_explain_of_markdown_lists_sections_and_prose_provenance(tmp_path):
    doc = _write(
        tmp_path,
        "pm.md",
        "# COE-2025-002: Checkout errors\n\n"
        "Team: payments\n\n"
        "## What happened\n\nCheckout failed for 20 minutes. The root cause was an expired "
        "certificate on the payment gateway.\n\n"
        "## Random notes\n\nnothing\n\n"
        "## Action items\n\n- Alert on certificate expiry (owner: ana)\n",
    )
    coes, rows = explain_path(doc)
    to = {r["source"]: r["to"] for r in rows}
    assert to["Team:"] == "team"
    assert to["section: Action items"] == "actions"
    assert to["section: Random notes"].startswith("ignored")
    assert coes[0].provenance == {"root_causes": "prose"}
    assert to["sentences of the running text"] == "root_causes (from prose)"
    lines = [r["line"] for r in rows if r["line"] is not None]
    assert lines == sorted(lines)
