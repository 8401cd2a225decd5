"""The warm path: a memo carried between runs, and the worker that keeps it (`--keep-warm`)."""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from analytics import worker
from analytics.analyze import Memo, Settings, analyze, collect_statements, reusable_run
from analytics.ingest import ingest
from analytics.sample import generate_corpus
from analytics.store import load_coes, open_store

TFIDF = Settings(embedder="tfidf")


def _result(analysis):
    """What a run decided, without its run number, date and timings."""
    settings = {k: v for k, v in analysis.settings.items() if k != "timings"}
    return (
        settings,
        analysis.statements,
        analysis.themes,
        analysis.families,
        analysis.why_clusters,
        analysis.coe_theme,
        analysis.coords,
    )


@pytest.mark.slow
def test_a_run_with_a_memo_is_the_run_without_one(tmp_path):
    root = tmp_path / "c"
    generate_corpus(110, 5, root)
    docs = sorted((root / "corpus").iterdir())
    with_memo, without = open_store(tmp_path / "a.db"), open_store(tmp_path / "b.db")
    memo = Memo()

    def step(paths):
        for conn in (with_memo, without):
            ingest(conn, paths, progress=False)
        kept = analyze(with_memo, TFIDF, log=lambda _: None, memo=memo)
        fresh = analyze(without, TFIDF, log=lambda _: None)
        assert _result(kept) == _result(fresh)
        return kept

    first = step(docs[:100])
    assert len(memo.coes) == 100 and memo.analysis is first
    second = step(docs[100:105])  # extends the first run's clusters
    assert second.settings["cuts"] == first.settings["cuts"]
    # A changed COE names as its service a word another COE uses: their masks must be redone.
    # (A word that more COEs use than name it is a common word, never masked: pick a rare one.)
    text = docs[0].read_text(encoding="utf-8")
    texts = [d.read_text(encoding="utf-8").lower() for d in docs[:105]]
    other, word = next(
        (s, w)
        for s in second.statements
        if s.kind == "why" and s.coe not in text
        for w in sorted(set(re.findall(r"[a-z]{6,}", s.masked)), key=len, reverse=True)
        if sum(bool(re.search(rf"\b{w}\b", t)) for t in texts) == 1
    )
    edited = re.sub(r"(?m)^\*\*Services:\*\* (.*)$", rf"**Services:** \1, {word}", text)
    assert edited != text
    docs[0].write_text(edited, "utf-8")
    third = step([docs[0]])
    assert word in memo.names
    assert word not in third.statement_by_id[other.id].masked
    step(docs[105:])


@pytest.mark.slow
def test_a_run_is_extended_only_in_the_same_vector_space(generated_store):
    docs, conn = generated_store(22, 4, 20)
    first = analyze(conn, TFIDF, log=lambda _: None)
    assert first.settings["space"] == "tfidf"
    statements = collect_statements(load_coes(conn))
    assert reusable_run(conn, TFIDF, "tfidf", statements) is not None
    assert reusable_run(conn, TFIDF, "st:another-model", statements) is None
    # TF-IDF is refitted on each run (here with more dimensions): the map is drawn afresh.
    ingest(conn, docs[20:], progress=False)
    second = analyze(conn, TFIDF, log=lambda _: None)
    assert set(second.coords) > set(first.coords)


def test_the_socket_folder_must_be_private(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    home = tmp_path / f"coegraph-{os.getuid()}"
    home.mkdir(mode=0o777)
    home.chmod(0o777)  # as another user could leave it in /tmp
    assert worker.address(tmp_path / "s.db") is None
    home.chmod(0o700)
    assert worker.address(tmp_path / "s.db").parent == home


def test_relay_copies_the_log_and_returns_the_exit_code():
    ours, theirs = socket.socketpair()
    theirs.sendall(b"analyze: 3 COEs\n" + worker.END + b"0")
    theirs.close()
    out = io.BytesIO()
    assert worker._relay(ours, out, Path("unused.sock")) == b"0"
    assert out.getvalue() == b"analyze: 3 COEs\n"


def test_relay_says_none_when_the_worker_stops_mid_run():
    ours, theirs = socket.socketpair()
    theirs.sendall(b"analyze: 3 COEs\n")
    theirs.close()
    assert worker._relay(ours, io.BytesIO(), Path("unused.sock")) is None


@pytest.fixture
def runtime_dir(monkeypatch):
    # Unix socket paths are short (~100 bytes): pytest's tmp_path can be too long.
    path = tempfile.mkdtemp(prefix="cg")
    monkeypatch.setenv("XDG_RUNTIME_DIR", path)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.skipif(not worker.available(), reason="needs Unix sockets")
def test_keep_warm_serves_runs_from_one_worker_until_stopped(tmp_path, runtime_dir):
    root = tmp_path / "c"
    generate_corpus(40, 2, root)
    store = tmp_path / "s.db"
    conn = open_store(store)
    ingest(conn, [root / "corpus"], progress=False)
    conn.close()
    coe = [sys.executable, "-m", "analytics.cli"]
    env = {**os.environ, "XDG_RUNTIME_DIR": runtime_dir}

    def run(*args):
        return subprocess.run(
            [*coe, *args, "--store", str(store)], capture_output=True, text=True, env=env
        )

    try:
        first = run("analyze", "--embedder", "tfidf", "--keep-warm")
        assert first.returncode == 0, first.stderr
        pid = re.search(r"in the warm worker \(pid (\d+)\)", first.stderr).group(1)
        second = run(
            "analyze", "--embedder", "tfidf", "--full"
        )  # no flag: the running worker serves it
        assert second.returncode == 0, second.stderr
        assert f"(pid {pid})" in second.stderr
        assert "run 2:" in second.stderr
        failed = run("analyze", "--model", str(tmp_path / "no-such-model"))
        assert failed.returncode == 1
        assert "Error:" in failed.stderr and "no-such-model" in failed.stderr
        third = run(
            "analyze", "--embedder", "tfidf", "--full"
        )  # the worker outlived the failed run
        assert f"(pid {pid})" in third.stderr and "run 3:" in third.stderr
        # A worker of another version of the code steps aside when asked to run.
        path = worker.address(store)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as other:
            other.connect(str(path))
            other.sendall(b'{"settings": {}, "stamp": "another version"}\n')
            assert worker._relay(other, io.BytesIO(), path) == worker.STALE
        worker._wait_unlocked(path)
        assert not path.exists()
        fourth = run("analyze", "--embedder", "tfidf", "--keep-warm", "--full")  # starts a new one
        assert "in the warm worker" in fourth.stderr and f"(pid {pid})" not in fourth.stderr
        assert "run 4:" in fourth.stderr
    finally:
        stopped = run("worker", "--stop")
    assert stopped.returncode == 0 and "no worker" not in stopped.stderr
    alone = run("analyze", "--embedder", "tfidf", "--full")
    assert alone.returncode == 0 and "warm worker" not in alone.stderr
    assert "run 5:" in alone.stderr
    assert not list(Path(runtime_dir).glob("*/*.sock"))


@pytest.mark.slow
@pytest.mark.skipif(not worker.available(), reason="needs Unix sockets")
def test_the_warm_worker_answers_coe_similar_as_the_command_would(tmp_path, runtime_dir):
    import json

    root = tmp_path / "c"
    generate_corpus(40, 3, root)
    store = tmp_path / "s.db"
    conn = open_store(store)
    ingest(conn, [root / "corpus"], progress=False)
    some_id = load_coes(conn)[0].id
    conn.close()
    env = {**os.environ, "XDG_RUNTIME_DIR": runtime_dir}

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "analytics.cli", *args, "--store", str(store)],
            capture_output=True,
            text=True,
            env=env,
        )

    query = ["similar", "--coe", some_id, "--format", "json"]
    try:
        assert run("analyze", "--embedder", "tfidf", "--keep-warm").returncode == 0
        direct = worker.similar(store, {"coe_id": some_id, "k": 5})
        assert direct is not None and len(direct["precedents"]) == 5  # the worker answered
        assert some_id not in {p["coe_id"] for p in direct["precedents"]}
        missing = worker.similar(store, {"coe_id": "NO-SUCH-COE", "k": 5})
        assert "NO-SUCH-COE" in missing["error"]
        warm = run(*query)
        assert warm.returncode == 0, warm.stderr
        unknown = run("similar", "--coe", "NO-SUCH-COE")
        assert unknown.returncode == 1 and "NO-SUCH-COE" in unknown.stderr
    finally:
        assert run("worker", "--stop").returncode == 0
    assert worker.similar(store, {"coe_id": some_id, "k": 5}) is None  # none runs now
    alone = run(*query)
    assert alone.returncode == 0, alone.stderr
    assert json.loads(warm.stdout) == json.loads(alone.stdout) == direct["precedents"]
