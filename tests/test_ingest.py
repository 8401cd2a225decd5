"""Ingest: per-file outcomes, idempotence, duplicates, bad input and a kill mid-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from click.testing import CliRunner

from analytics.cli import main
from analytics.ingest import ingest
from analytics.store import coe_count, load_coe, load_coes, open_store

GOOD = textwrap.dedent(
    """\
    # {id}: Checkout errors after a config push

    ## Summary
    Checkout returned errors for 40 minutes.

    ## 5 Whys
    1. Why did checkout fail? Because the config was invalid.
    2. Why was it invalid? Because nobody validated it.
    3. Why was it not validated? Because the pipeline has no schema check.
    4. Why no schema check? Because config is not treated as code.
    5. Why not? Because we never defined a config release process.

    ## Root Cause
    Config changes skip the staged release process.

    ## Action Items
    - Add schema validation to the config pipeline (owner: checkout-team, P1, due 2025-04-01)
    """
)


def _write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_file_reports_its_status(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    _write(docs, "a.md", GOOD.format(id="COE-2025-0001"))
    _write(docs, "b.md", GOOD.format(id="COE-2025-0002"))
    conn = open_store(tmp_path / "s.db")
    first = {r.path.rsplit("/", 1)[1]: r.status for r in ingest(conn, [docs])}
    assert first == {"a.md": "ingested", "b.md": "ingested"}
    _write(docs, "b.md", GOOD.format(id="COE-2025-0002").replace("40 minutes", "50 minutes"))
    second = {r.path.rsplit("/", 1)[1]: r.status for r in ingest(conn, [docs])}
    assert second == {"a.md": "unchanged", "b.md": "updated"}
    assert "50 minutes" in load_coe(conn, "COE-2025-0002").impact.summary


def test_a_folder_walk_skips_the_repository_files_but_a_named_one_is_read(tmp_path):
    docs = tmp_path / "postmortems"
    (docs / ".git").mkdir(parents=True)
    _write(docs, "a.md", GOOD.format(id="COE-2025-0001"))
    _write(docs, "README.md", "# Our postmortems\n\nOne file per incident.\n")
    _write(docs, "LICENSE.txt", "MIT License\n")
    _write(docs, "PMyyyy-nnn_-_Postmortem_template.md", GOOD.format(id="COE-2025-0007"))
    _write(docs, "investigations_template.md", GOOD.format(id="COE-2025-0008"))
    _write(docs, "templated-config-rollout.md", GOOD.format(id="COE-2025-0002"))
    _write(docs, "template-engine-outage.md", GOOD.format(id="COE-2025-0003"))
    _write(docs / ".git", "x.md", GOOD.format(id="COE-2025-0009"))
    conn = open_store(tmp_path / "s.db")
    walked = {r.path.rsplit("/", 1)[1]: r.status for r in ingest(conn, [docs])}
    assert walked == {
        "a.md": "ingested",
        "templated-config-rollout.md": "ingested",
        "template-engine-outage.md": "ingested",
    }
    named = ingest(conn, [docs / "README.md"])
    assert [r.status for r in named] == ["failed"]  # read, and said what is wrong with it


def test_reingesting_unchanged_files_changes_nothing(tmp_path):
    doc = _write(tmp_path, "a.md", GOOD.format(id="COE-2025-0001"))
    conn = open_store(tmp_path / "s.db")
    ingest(conn, [doc])
    before = conn.execute("SELECT path, sha256, ingested_at FROM documents").fetchall()
    ingest(conn, [doc])
    assert conn.execute("SELECT path, sha256, ingested_at FROM documents").fetchall() == before


def test_two_documents_with_one_id_fail_naming_both(tmp_path):
    _write(tmp_path, "a.md", GOOD.format(id="COE-2025-0001"))
    _write(tmp_path, "b.md", GOOD.format(id="COE-2025-0001").replace("Checkout errors", "Later"))
    conn = open_store(tmp_path / "s.db")
    results = ingest(conn, [tmp_path / "a.md", tmp_path / "b.md"])
    assert [r.status for r in results] == ["ingested", "failed"]
    reason = results[1].reason
    assert "COE-2025-0001" in reason and "a.md" in reason and "b.md" in reason
    assert "own id" in reason
    assert coe_count(conn) == 1
    assert not load_coe(conn, "COE-2025-0001").title.startswith("Later")
    # the same clash against the store, in a later run
    again = ingest(conn, [tmp_path / "b.md"])
    assert again[0].status == "failed" and "a.md" in again[0].reason
    # the holder itself, changed, is still its own: updated, then unchanged
    _write(tmp_path, "a.md", GOOD.format(id="COE-2025-0001").replace("Checkout errors", "Edit"))
    assert [r.status for r in ingest(conn, [tmp_path / "a.md"])] == ["updated"]
    assert [r.status for r in ingest(conn, [tmp_path / "a.md"])] == ["unchanged"]
    # given its own id, the second document lands
    _write(tmp_path, "b.md", GOOD.format(id="COE-2025-0002"))
    assert ingest(conn, [tmp_path / "b.md"])[0].status == "ingested"
    assert coe_count(conn) == 2


def test_a_moved_document_keeps_its_id(tmp_path):
    a = _write(tmp_path, "a.md", GOOD.format(id="COE-2025-0001"))
    conn = open_store(tmp_path / "s.db")
    ingest(conn, [a])
    b = a.rename(tmp_path / "b.md")
    result = ingest(conn, [b])[0]
    assert result.status == "ingested"
    assert any("gone" in w and "a.md" in w for w in result.warnings)


BAD_INPUTS = {
    "empty.md": b"",
    "binary.md": b"\x00\x01\x02\x03PNG\x00" * 50,
    "latin1.md": "# Caf\xe9 outage\n\n## Summary\nthe caf\xe9 broke\n".encode("latin-1"),
    "front.md": b"---\ntitle: [unclosed\n---\n# T\n\n## Summary\nx\n",
    "broken.json": b'{"title": "x", "whys": [1, 2,,]}',
    "broken.csv": b'id,title,summary\n"COE-1,"unterminated\n',
    "nothing.md": b"hello\n",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_fails_alone_with_a_reason(tmp_path, name):
    (tmp_path / name).write_bytes(BAD_INPUTS[name])
    good = _write(tmp_path, "good.md", GOOD.format(id="COE-2025-0001"))
    conn = open_store(tmp_path / "s.db")
    results = {r.path.rsplit("/", 1)[1]: r for r in ingest(conn, [tmp_path / name, good])}
    assert results[name].status == "failed"
    assert results[name].reason
    assert results["good.md"].status == "ingested"
    assert [c.id for c in load_coes(conn)] == ["COE-2025-0001"]


def test_huge_file_fails_without_stopping_the_rest(tmp_path):
    big = tmp_path / "big.md"
    with big.open("wb") as fh:
        fh.write(b"# Big\n\n## Summary\n")
        fh.write(b"x" * (50 * 1024 * 1024))
    good = _write(tmp_path, "good.md", GOOD.format(id="COE-2025-0001"))
    conn = open_store(tmp_path / "s.db")
    results = ingest(conn, [big, good])
    assert results[0].status == "failed" and "MB" in results[0].reason
    assert results[1].status == "ingested"


def test_invalid_utf8_reason_names_the_line(tmp_path):
    (tmp_path / "bad.md").write_bytes(b"# T\n\n## Summary\nok\n\xff\xfe broken\n")
    [result] = ingest(open_store(tmp_path / "s.db"), [tmp_path / "bad.md"])
    assert result.status == "failed"
    assert result.line == 5


def test_cli_exit_code_is_1_only_when_a_file_failed(tmp_path):
    good = _write(tmp_path, "good.md", GOOD.format(id="COE-2025-0001"))
    store = str(tmp_path / "s.db")
    ok = CliRunner().invoke(main, ["ingest", str(good), "--store", store, "--format", "json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)[0]["status"] == "ingested"
    (tmp_path / "empty.md").write_bytes(b"")
    bad = CliRunner().invoke(main, ["ingest", str(tmp_path), "--store", store])
    assert bad.exit_code == 1
    assert "empty.md" in bad.output


def test_sigkill_mid_ingest_leaves_the_previous_state(tmp_path):
    store = tmp_path / "s.db"
    first = tmp_path / "first"
    first.mkdir()
    _write(first, "a.md", GOOD.format(id="COE-2024-0001"))
    conn = open_store(store)
    ingest(conn, [first])
    conn.close()
    many = tmp_path / "many"
    many.mkdir()
    for i in range(3000):
        _write(many, f"c{i:05d}.md", GOOD.format(id=f"COE-2025-{i:04d}"))
    # The child ingests slowly enough to be killed mid-run: its parser is wrapped to sleep.
    script = textwrap.dedent(
        f"""
        import time, analytics.ingest as ing
        real = ing.parse_bytes
        def slow(*a, **k):
            time.sleep(0.002)
            return real(*a, **k)
        ing.parse_bytes = slow
        from analytics.store import open_store
        conn = open_store({str(store)!r})
        print("started", flush=True)
        ing.ingest(conn, [{str(many)!r}], progress=False)
        print("finished", flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    conn = open_store(store)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [c.id for c in load_coes(conn)] == ["COE-2024-0001"]


def test_ingest_lints_what_it_stores_so_analyze_lints_nothing(tmp_path):
    from analytics.analyze import Settings, analyze
    from analytics.lint_store import lint_changed, lint_key, stored_lint

    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"c{i}.md").write_text(GOOD.format(id=f"COE-2024-000{i}"))
    # an unmarked blame of a person and a CSV of two records: findings with lines, two rows
    (docs / "c0.md").write_text(
        GOOD.format(id="COE-2024-0000").replace(
            "40 minutes.", "40 minutes after Priya Sharma pushed a bad config."
        )
    )
    (docs / "more.csv").write_text("id,title,root cause\nCOE-2024-0100,a,b\nCOE-2024-0101,c,d\n")
    conn = open_store(tmp_path / "s.db")
    ingest(conn, [docs], progress=False)
    coes = load_coes(conn)
    keys = dict(conn.execute("SELECT coe_id, sha256 FROM lint"))
    assert keys == {c.id: lint_key(c) for c in coes} and len(keys) == 5
    at_ingest = {c.id: stored_lint(conn, c.id) for c in coes}
    assert any(f.rule == "names-individual" and f.line for f in at_ingest["COE-2024-0000"][1])
    assert lint_changed(conn, coes) == 0
    # analyze's catch-up (a store from before ingest linted) gives the same rows
    conn.execute("DELETE FROM lint")
    assert lint_changed(conn, coes) == 5
    assert {c.id: stored_lint(conn, c.id) for c in coes} == at_ingest
    # a changed document is linted again by ingest, and analyze still lints nothing
    (docs / "c1.md").write_text(GOOD.format(id="COE-2024-0001").replace("## 5 Whys", "## Notes"))
    ingest(conn, [docs], progress=False)
    assert stored_lint(conn, "COE-2024-0001") != at_ingest["COE-2024-0001"]
    messages: list[str] = []
    analyze(conn, Settings(embedder="tfidf"), progress=False, log=messages.append)
    assert any(", 0 linted" in m for m in messages), messages
