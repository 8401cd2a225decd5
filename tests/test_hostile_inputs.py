"""Issue 15: one bad document never costs the others, hangs or poisons the store; the store's
environment errors are messages; the dashboard answers bad requests without a 500.

The parsers' property-based tests are in ``test_fuzz_parsers.py``; these are the named cases.
"""

from __future__ import annotations

import json
import os
import sqlite3
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner

from analytics.cli import SAMPLE_CORPUS, main
from analytics.ingest import ingest, scan
from analytics.parsers import ParseError, parse_path, parse_text
from analytics.parsers.invalid import invalid_reason, is_damage
from analytics.store import describe_error, load_coes, open_store, transaction

GOOD = textwrap.dedent(
    """\
    # {id}: Checkout errors after a config push

    ## Summary
    Checkout returned errors for 40 minutes.

    ## 5 Whys
    1. Why did checkout fail? Because the config was invalid.
    2. Why was it invalid? Because nobody validated it.

    ## Root Cause
    Config changes skip the staged release process.
    """
)


def _bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["title: bomb", 'a0: &a0 ["lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + f"\nsummary: *a{levels - 1}\n"


# --- the reading layer -----------------------------------------------------------------------


def test_an_impossible_date_is_a_warning_not_a_crash():
    [coe] = parse_text("---\ndate: 2024-02-30\n---\n" + GOOD.format(id="COE-2025-0001"), "a.md")
    assert coe.date is None
    assert any("2024-02-30" in w for w in coe.warnings)
    [coe] = parse_text("title: x\nroot_cause: y\ndate: 2025-13-45\n", "a.yaml")
    assert coe.date is None and any("2025-13-45" in w for w in coe.warnings)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"title": "x", "customers_affected": NaN}', "NaN is not valid JSON"),
        ('{"title": "x",\n "duration": -Infinity}', "-Infinity is not valid JSON"),
        ('{"title": "x", "customers_affected": ' + "9" * 5000 + "}", "more than 100 digits"),
        ('{"title": "x", "whys": ' + "[" * 1000 + "]" * 1000 + "}", "nested too deeply"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_json_limits_are_the_documents_own_error(text, reason):
    with pytest.raises(ParseError, match=reason) as info:
        parse_text(text, "a.json")
    if "Infinity" in reason:
        assert info.value.line == 2


def test_a_yaml_alias_bomb_is_refused_at_once():
    with pytest.raises(ParseError, match="aliases expand"):
        parse_text(_bomb(), "a.yaml")
    with pytest.raises(ParseError, match="aliases expand"):
        parse_text("---\n" + _bomb() + "---\n# T\n\n## Summary\nx\n", "a.md")


def test_yaml_anchors_used_as_intended_still_load():
    text = "defaults: &d {owner: team-a, priority: P1}\ntitle: x\nactions:\n"
    text += "".join(f"  - {{<<: *d, title: step {i}}}\n" for i in range(20))
    [coe] = parse_text(text, "a.yaml")
    assert len(coe.actions) == 20 and coe.actions[0].owner == "team-a"


def test_non_finite_and_huge_numbers_are_not_understood_not_fatal():
    [coe] = parse_text(
        "title: x\nroot_cause: y\ncustomers_affected: .inf\nduration: .nan\n", "a.yaml"
    )
    assert coe.impact.customers_affected is None and coe.impact.duration_minutes is None
    [coe] = parse_text(GOOD.format(id="COE-2025-0001").replace("40 minutes", "1" * 400), "a.md")
    json.dumps(coe.to_dict(), allow_nan=False)
    with pytest.raises(ParseError, match="more than 100 digits"):
        parse_text("title: x\ncustomers_affected: " + "9" * 5000 + "\n", "a.yaml")


def _damage(coe) -> list[str]:
    return [w for w in coe.warnings if is_damage(w)]


def test_invalid_values_are_named_as_damage_and_unread_ones_are_not():
    # a date that does not exist, on a metadata line: damage; a date in words: only unread
    def dated(value: str) -> str:
        return GOOD.format(id="COE-2025-0001").replace(
            "\n\n## Summary", f"\nDate: {value}\n\n## Summary", 1
        )

    [coe] = parse_text(dated("2025-13-45"), "a.md")
    assert _damage(coe) == ["line 2: invalid date '2025-13-45' (no such date), dropped"]
    [coe] = parse_text(dated("last spring"), "a.md")
    assert _damage(coe) == [] and coe.warnings == ("line 2: date 'last spring' not understood",)
    # a count past what 64 bits hold, in prose: the prose stays, the count is dropped
    text = GOOD.format(id="COE-2025-0001").replace("40 minutes.", "2" * 30 + " customers.")
    [coe] = parse_text(text, "a.md")
    assert coe.impact.customers_affected is None and "2" * 30 in coe.impact.summary
    assert _damage(coe) == [
        "invalid customers affected '" + "2" * 30 + "' (too large a number), dropped"
    ]
    doc = {
        "title": "x",
        "root_cause": "y",
        "actions": [
            {"title": "a", "due": "2025-02-30"},
            {"title": "b", "due": "next sprint"},
        ],
    }
    [coe] = parse_text(json.dumps(doc), "a.json")
    assert _damage(coe) == ["invalid due date '2025-02-30' (no such date), dropped"]
    assert "due date 'next sprint' not understood" in coe.warnings
    [coe, _] = parse_text("id,title,root cause\nCOE-1,a,b,c\nCOE-2,d,e\n", "a.csv")
    assert _damage(coe) == [
        "line 2: invalid row: extra cells without a column header, ignored: ['c']"
    ]
    [coe] = parse_text(json.dumps({"title": "a \udc80 b", "root_cause": "c"}), "a.json")
    assert len(_damage(coe)) == 1 and "lone surrogates" in _damage(coe)[0]


@pytest.mark.parametrize(
    "value",
    ["2024-02-30", "2025-13-45", "2025/00/10", ".nan", "-.inf", "Infinity", float("nan"), 2**63],
)
def test_invalid_reason_knows_values_that_cannot_be(value):
    assert invalid_reason(value) is not None


@pytest.mark.parametrize(
    "value", ["2024-02-29", "next sprint", "Q3", "12abc", "12,400", 2**62, 1.5, "infinite loop"]
)
def test_invalid_reason_leaves_values_it_merely_cannot_read(value):
    assert invalid_reason(value) is None


def test_real_corpora_and_the_sample_hold_no_invalid_values(real_corpora):
    """The rule must not fail a real corpus: ``coe ingest`` of each exits 0 for this reason."""
    folders = [real_corpora.parent / "devset" / "docs", SAMPLE_CORPUS]
    folders += sorted(p for p in real_corpora.iterdir() if p.is_dir())
    for folder in folders:
        for path in scan([folder]).files:
            try:
                coes = parse_path(path)
            except ParseError:
                continue
            assert [w for c in coes for w in _damage(c)] == [], path


def test_a_markdown_list_nested_a_thousand_deep_is_read():
    items = "\n".join("  " * i + f"- step {i}" for i in range(1000))
    [coe] = parse_text(
        GOOD.format(id="COE-2025-0001") + "\n## Action Items\n" + items + "\n", "a.md"
    )
    assert len(coe.actions) == 1000


def test_lone_surrogates_are_replaced_with_a_warning():
    text = json.dumps({"id": "COE-\ud800-1", "title": "a \udc80 b", "root_cause": "c \ud83d"})
    [coe] = parse_text(text, "a.json")
    record = json.dumps(coe.to_dict(), ensure_ascii=False)
    record.encode("utf-8")  # would raise on a lone surrogate
    assert "\ufffd" in coe.title and any("surrogate" in w for w in coe.warnings)
    [coe] = parse_text(
        GOOD.format(id="COE-2025-0001").replace("config push", "push \udc80"), "a.md"
    )
    assert "\ufffd" in coe.title


def test_utf16_with_a_byte_order_mark_is_read(tmp_path):
    from analytics.parsers import parse_path

    path = tmp_path / "a.md"
    path.write_bytes(GOOD.format(id="COE-2025-0001").encode("utf-16"))
    assert parse_path(path)[0].id == "COE-2025-0001"
    path.write_bytes(GOOD.format(id="COE-2025-0001").encode("utf-16-le"))
    with pytest.raises(ParseError, match="UTF-16 text without a byte-order mark"):
        parse_path(path)


def test_tfidf_survives_texts_without_a_usable_token():
    from analytics.embed import TfidfEmbedder

    texts = ["the", "x", "12345", "config push skipped staging", "cert expired on the proxy"]
    vectors = TfidfEmbedder().fit(texts).transform(texts)
    assert np.isfinite(vectors).all()
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)


# --- ingest ----------------------------------------------------------------------------------


def test_ingest_names_what_it_cannot_read_and_lands_the_rest(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"good-{i}.md").write_text(GOOD.format(id=f"COE-2025-000{i}"), "utf-8")
    (docs / "gone.md").symlink_to(docs / "nowhere.md")
    (docs / "notes.png").write_bytes(b"\x89PNG")
    (docs / ".drafts").mkdir()
    (tmp_path / "loop1.md").symlink_to(tmp_path / "loop2.md")
    (tmp_path / "loop2.md").symlink_to(tmp_path / "loop1.md")
    os.mkfifo(tmp_path / "pipe.md")
    with open(os.path.join(os.fsencode(docs), "Caf\xe9.md".encode("latin-1")), "wb") as fh:
        fh.write(GOOD.format(id="COE-2025-0009").encode())
    conn = open_store(tmp_path / "s.db")
    skipped: list = []
    named = [docs, tmp_path / "loop1.md", tmp_path / "pipe.md", "/dev/zero", "/proc/self/status"]
    results = {os.path.basename(r.path): r for r in ingest(conn, named, skipped=skipped)}
    assert {c.id for c in load_coes(conn)} == {
        "COE-2025-0000",
        "COE-2025-0001",
        "COE-2025-0002",
        "COE-2025-0009",
    }
    assert "dangling symbolic link" in results["gone.md"].reason
    assert "symbolic link loop" in results["loop1.md"].reason
    assert "named pipe" in results["pipe.md"].reason
    assert "device" in results["zero"].reason
    assert "pseudo-file" in results["status"].reason
    assert results["Caf\\xe9.md"].status == "ingested"
    assert results["Caf\\xe9.md"].damage == (
        f"invalid file name: not UTF-8; stored as {docs.resolve()}/Caf\\xe9.md",
    )
    assert {os.path.basename(s.path): s.reason for s in skipped} == {
        "notes.png": "not a document type coegraph reads (.png)",
        ".drafts": "hidden folder",
    }


def test_coe_ingest_prints_warnings_and_skipped_files(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("---\ndate: last spring\n---\n" + GOOD.format(id="COE-2025-0001"))
    (docs / "README.md").write_text("# Our postmortems\n")
    store = str(tmp_path / "s.db")
    out = CliRunner().invoke(main, ["ingest", str(docs), "--store", store, "--no-progress"])
    assert out.exit_code == 0, out.output  # a date not understood is not an invalid one
    assert "1 skipped (1 a repository's own file or a blank template)" in out.output
    assert "warning(s) in 1 document(s)" in out.output and "last spring" not in out.output
    (docs / "a.md").write_text("---\ndate: last summer\n---\n" + GOOD.format(id="COE-2025-0001"))
    out = CliRunner().invoke(main, ["ingest", str(docs), "--store", store, "--verbose"])
    assert out.exit_code == 0, out.output
    assert "date 'last summer' not understood" in out.output
    assert "skipped: " in out.output and "README.md" in out.output


def test_a_document_with_invalid_values_lands_named_and_the_run_exits_1(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(GOOD.format(id="COE-2025-0001"))
    (docs / "b.md").write_text("---\ndate: 2024-02-30\n---\n" + GOOD.format(id="COE-2025-0002"))
    store = str(tmp_path / "s.db")
    out = CliRunner().invoke(main, ["ingest", str(docs), "--store", store, "--no-progress"])
    assert out.exit_code == 1, out.output
    # listed without --verbose: which file, which value, why
    assert "b.md: line 1: invalid date '2024-02-30' (no such date), dropped" in out.output
    assert "1 document(s) held invalid values" in out.output
    assert "what the parser could not read" not in out.output  # the one warning is listed
    conn = open_store(tmp_path / "s.db")
    assert {c.id: c.date for c in load_coes(conn)} == {"COE-2025-0001": None, "COE-2025-0002": None}
    out = CliRunner().invoke(
        main, ["ingest", str(docs), "--store", store, "--format", "json", "--no-progress"]
    )
    rows = {os.path.basename(r["path"]): r for r in json.loads(out.stdout)}
    # an unchanged file is not read again, so it is not judged again
    assert out.exit_code == 0 and rows["b.md"]["status"] == "unchanged"


# --- the store's environment -----------------------------------------------------------------


def test_a_full_disk_is_said_in_words_and_keeps_the_store(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(GOOD.format(id="COE-2025-0001"))
    conn = open_store(tmp_path / "s.db")
    ingest(conn, [docs])
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count={pages}")  # the disk is now full
    for i in range(2, 40):
        (docs / f"b{i}.md").write_text(GOOD.format(id=f"COE-2025-{i:04d}") + "x" * 20000)
    with pytest.raises(sqlite3.OperationalError) as info:
        ingest(conn, [docs])
    assert "full" in str(info.value)  # the real error, not "cannot rollback"
    assert "disk holding the store is full" in describe_error(info.value, "s.db")
    assert [c.id for c in load_coes(conn)] == ["COE-2025-0001"]


def test_a_held_lock_names_its_holder(tmp_path):
    store = tmp_path / "s.db"
    holder = open_store(store)
    waiter = sqlite3.connect(store, isolation_level=None, timeout=0.05)
    with transaction(holder):
        with pytest.raises(sqlite3.OperationalError) as info:
            waiter.execute("BEGIN IMMEDIATE")
        message = describe_error(info.value, store)
    assert f"pid {os.getpid()}" in message and "another process is writing" in message
    assert not (tmp_path / "s.db-writer").exists()  # the note goes with the lock


def test_read_only_media_store_is_read_not_called_foreign(tmp_path, monkeypatch):
    store = tmp_path / "s.db"
    conn = open_store(store)
    conn.close()
    # root may write anything, so the read-only medium is what os.access reports
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if m == os.W_OK else real(p, m))
    conn = open_store(store)
    assert load_coes(conn) == []
    with pytest.raises(sqlite3.OperationalError) as info:
        conn.execute("INSERT INTO coes VALUES ('a','b','c',NULL,'{}')")
    assert "read-only" in describe_error(info.value, store)


# --- the dashboard ---------------------------------------------------------------------------


def test_review_csv_escapes_formulas(tmp_path):
    from dashboard import create_app

    open_store(tmp_path / "s.db").close()
    create_app(tmp_path / "s.db")  # the pages import only into an app
    from dashboard.pages.review import review_csv

    row = {"label": '=HYPERLINK("http://x","y")', "action": "+cmd|' /C calc'!A0"}
    review = {
        "themes": {"new": [row], "recurring": [], "rising": []},
        "actions": {"due": [row], "overdue": [], "unknown": []},
    }
    text = review_csv(review)
    assert "'=HYPERLINK" in text and "'+cmd" in text
    assert ",=HYPERLINK" not in text and ',"=HYPERLINK' not in text


def test_host_allow_list_and_security_headers():
    from flask import Flask

    from dashboard.server import allowed_hosts, harden

    server = Flask("t")
    server.route("/")(lambda: "ok")
    harden(server, allowed_hosts("127.0.0.1"))
    client = server.test_client()
    ok = client.get("/", headers={"Host": "localhost:8050"})
    assert ok.status_code == 200
    assert ok.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in ok.headers["Content-Security-Policy"]
    assert client.get("/", headers={"Host": "[::1]:8050"}).status_code == 200
    assert client.get("/", headers={"Host": "evil.example:8050"}).status_code == 400


@pytest.fixture(scope="module")
def dashboard_client(tmp_path_factory, analysed_tfidf_store):
    from dashboard import create_app

    page = GOOD.format(id="Outage on Friday").replace("# Outage on Friday: ", "# ")
    store = analysed_tfidf_store(
        tmp_path_factory.mktemp("hostile"), 30, 3, {"Outage on Friday.md": page}
    )
    return create_app(store).server.test_client()


def test_a_coe_page_is_reachable_for_an_id_that_needs_url_encoding(dashboard_client):
    from dashboard import data
    from dashboard.components import coe_href
    from dashboard.pages import coe

    ids = [c for c in data.current().coe_by_id if " " in c]
    assert ids, "the fixture's file name gives an id with spaces"
    page = coe.layout(coe_href(ids[0]).removeprefix("/coe/"))
    assert "COE not found" not in str(page)


def test_a_callback_given_a_crafted_value_answers_without_a_500(dashboard_client):
    body = {
        "output": "coe-precedents.children",
        "outputs": {"id": "coe-precedents", "property": "children"},
        "inputs": [{"id": "coe-id", "property": "data", "value": ["not", "an", "id"]}],
        "changedPropIds": ["coe-id.data"],
        "state": [],
    }
    answer = dashboard_client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.data[:200]
    assert "could not be answered" in answer.get_data(as_text=True)
