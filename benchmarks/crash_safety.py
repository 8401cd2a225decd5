"""SIGKILL during ingest and analyze, and reads while they write: the store's guarantees (issue 15).

Kill rounds alternate between `coe ingest` (1,000 generated COEs, into a store that already holds
200 of them) and `coe analyze --embedder tfidf` (the bundled 300-COE sample), each killed with
SIGKILL at a random moment of its run. After each kill the script checks that:

- the store is intact (``PRAGMA integrity_check`` says ok);
- it holds the state before the command or the state after it, nothing between (ingest: the 200
  records or the 1,000; analyze: no run or the run an uninterrupted command stores);
- running the command again, uninterrupted, gives the clean result: the same records (and lint
  rows) as an uninterrupted ingest into a fresh store, the same analysis as an uninterrupted
  analyze (every field of the run but its number, time and stage timings).

Then a concurrency round: two `coe ingest` of the same corpus at once, then `coe analyze`, while
a reader thread loops over the store's read functions (records, one COE, lint scores, the latest
analysis) and `coe themes` runs again and again. It counts lock errors (any error that says
"locked" or "busy"), other errors, and reads that saw a part of a transaction (a COE count other
than 0 or all of them).

    .venv/bin/python benchmarks/crash_safety.py [--kills 20] [--seed 0]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import corpus, log, write_results  # noqa: E402

SAMPLE = ROOT / "data" / "sample" / "corpus"
COE = str(ROOT / ".venv" / "bin" / "coe") if (ROOT / ".venv" / "bin" / "coe").exists() else None
PRE_STATE = 200  # COEs the ingest rounds' store holds before the killed command


def _coe(*args: str) -> list[str]:
    base = [COE] if COE else [sys.executable, "-m", "analytics.cli"]
    return [*base, *args, "--no-progress"] if args[0] in ("ingest", "analyze") else [*base, *args]


def _run(argv: list[str]) -> tuple[int, float, str]:
    t = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return done.returncode, time.perf_counter() - t, done.stderr


def _killed(argv: list[str], delay: float) -> bool:
    """Run ``argv`` and SIGKILL it after ``delay`` seconds; whether it had finished before."""
    proc = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    try:
        proc.wait(timeout=delay)
        return True
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return False


def _connect(store: Path) -> sqlite3.Connection:
    return sqlite3.connect(store, isolation_level=None, timeout=30)


def records_digest(store: Path) -> str:
    """A digest of the store's documents, records and lint rows."""
    h = hashlib.sha256()
    with _connect(store) as conn:
        for table, sql in (
            ("documents", "SELECT path, sha256, format, coe_ids FROM documents ORDER BY path"),
            ("coes", "SELECT id, path, sha256, date, record FROM coes ORDER BY id"),
            ("lint", "SELECT coe_id, sha256, score, findings FROM lint ORDER BY coe_id"),
        ):
            h.update(table.encode())
            for row in conn.execute(sql):
                h.update(repr(row).encode())
    return h.hexdigest()


def analysis_digest(store: Path) -> str | None:
    """A digest of the latest run's result (every field but its number, time and stage
    timings), or None."""
    from analytics.analysis import load_analysis
    from analytics.store import open_store

    conn = open_store(store)
    try:
        analysis = load_analysis(conn)
        if analysis is None:
            return None
        result = json.loads(analysis.to_json())
        result["settings"].pop("timings", None)
        return hashlib.sha256(json.dumps(result, sort_keys=True).encode()).hexdigest()
    finally:
        conn.close()


def intact(store: Path) -> bool:
    with _connect(store) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _prepare(tmp: Path) -> dict:
    """The stores the rounds start from, and the clean results they must end at."""
    gen = corpus(1000) / "corpus"
    ref: dict = {"gen": gen}
    # ingest rounds start from a store holding the corpus's first 200 documents: links to them
    # (ingest stores a link's target path, so the records are those of the corpus's own files)
    staged = tmp / "staged"
    staged.mkdir()
    for path in sorted(gen.iterdir())[:PRE_STATE]:
        (staged / path.name).symlink_to(path)
    ref["pre"] = tmp / "pre.db"
    _check(_run(_coe("ingest", str(staged), "--store", str(ref["pre"]))))
    ref["pre_digest"] = records_digest(ref["pre"])
    full = tmp / "full.db"
    shutil.copy(ref["pre"], full)
    code, seconds, err = _run(_coe("ingest", str(gen), "--store", str(full)))
    _check((code, seconds, err))
    ref["ingest_seconds"] = seconds
    ref["full_digest"] = records_digest(full)
    # a fresh store ingested in one go holds the same records
    fresh = tmp / "fresh.db"
    _check(_run(_coe("ingest", str(gen), "--store", str(fresh))))
    ref["fresh_equal"] = records_digest(fresh) == ref["full_digest"]
    # analyze rounds: the sample ingested, analysed once uninterrupted (and once more as a
    # control that the result is reproducible at all)
    ref["ingested"] = tmp / "ingested.db"
    _check(_run(_coe("ingest", str(SAMPLE), "--store", str(ref["ingested"]))))
    digests = []
    for i in range(2):
        store = tmp / f"analysed-{i}.db"
        shutil.copy(ref["ingested"], store)
        code, seconds, err = _run(_coe("analyze", "--embedder", "tfidf", "--store", str(store)))
        _check((code, seconds, err))
        ref["analyze_seconds"] = seconds
        digests.append(analysis_digest(store))
    ref["analysis_digest"] = digests[0]
    ref["analysis_reproducible"] = digests[0] == digests[1]
    return ref


def _check(ran: tuple[int, float, str]) -> None:
    code, _, err = ran
    if code != 0:
        raise SystemExit(f"a reference command failed ({code}): {err[-500:]}")


def kill_round(kind: str, ref: dict, tmp: Path, rng: random.Random, i: int) -> dict:
    store = tmp / f"round-{i}.db"
    if kind == "ingest":
        shutil.copy(ref["pre"], store)
        argv = _coe("ingest", str(ref["gen"]), "--store", str(store))
        before, after, of = ref["pre_digest"], ref["full_digest"], records_digest
    else:
        shutil.copy(ref["ingested"], store)
        argv = _coe("analyze", "--embedder", "tfidf", "--store", str(store))
        before, after, of = None, ref["analysis_digest"], analysis_digest
    delay = rng.uniform(0.05, ref[f"{kind}_seconds"] * 1.05)
    finished = _killed(argv, delay)
    row = {"kind": kind, "delay_s": round(delay, 2), "finished_before_kill": finished}
    row["intact"] = intact(store)
    state = of(store)
    row["state_after_kill"] = (
        "before" if state == before else "after" if state == after else "PARTIAL"
    )
    code, _, err = _run(argv)
    row["rerun_exit"] = code
    row["rerun_clean"] = code == 0 and of(store) == after and intact(store)
    if not row["rerun_clean"]:
        row["rerun_error"] = err[-300:]
    for suffix in ("", "-wal", "-shm", "-writer"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    return row


def concurrency_round(ref: dict, tmp: Path) -> dict:
    """Two ingests at once, then analyze, under a reader loop and repeated `coe themes`."""
    from analytics.analysis import load_analysis
    from analytics.lint_store import lint_scores
    from analytics.store import load_coe, load_coes, open_store

    store = tmp / "concurrent.db"
    open_store(store).close()  # the schema first, so that readers never race its creation
    total = len(list(ref["gen"].iterdir()))
    stats = {"reads": 0, "themes_commands": 0, "lock_errors": 0, "other_errors": 0}
    stats["partial_reads"] = 0
    errors: list[str] = []
    stop = threading.Event()

    def note(message: str) -> None:
        if "locked" in message.lower() or "busy" in message.lower():
            stats["lock_errors"] += 1
        else:
            stats["other_errors"] += 1
        errors.append(message[-200:])

    def reader() -> None:
        while not stop.is_set():
            try:
                conn = open_store(store)
                try:
                    coes = load_coes(conn)
                    if len(coes) not in (0, total):
                        stats["partial_reads"] += 1
                    if coes:
                        load_coe(conn, coes[len(coes) // 2].id)
                    lint_scores(conn)
                    load_analysis(conn)
                finally:
                    conn.close()
                stats["reads"] += 1
                time.sleep(0.02)  # a busy dashboard's pace, not a loop that starves the writers
            except Exception as exc:  # noqa: BLE001 - counted, the loop goes on
                note(f"{type(exc).__name__}: {exc}")

    def themes() -> None:
        while not stop.is_set():
            code, _, err = _run(_coe("themes", "--store", str(store), "--format", "json"))
            stats["themes_commands"] += 1
            # before the first analysis the command says there is none: not an error of the store
            if code != 0 and "analy" not in err.lower():
                note(err.strip())

    threads = [threading.Thread(target=reader), threading.Thread(target=themes)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    writers = [
        subprocess.Popen(
            _coe("ingest", str(ref["gen"]), "--store", str(store)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    codes = []
    for w in writers:
        _, err = w.communicate()
        codes.append(w.returncode)
        if w.returncode:
            note(err.strip())
    code, _, err = _run(_coe("analyze", "--embedder", "tfidf", "--store", str(store)))
    codes.append(code)
    if code:
        note(err.strip())
    stop.set()
    for t in threads:
        t.join()
    stats["seconds"] = round(time.perf_counter() - t0, 1)
    stats["writer_exits"] = codes
    stats["records_as_uninterrupted"] = records_digest(store) == ref["full_digest"]
    stats["errors"] = errors[:10]
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=20, help="kill rounds (half ingest, half analyze)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="coe-crash-") as name:
        tmp = Path(name)
        ref = _prepare(tmp)
        log(
            f"reference: ingest {ref['ingest_seconds']:.1f}s, analyze {ref['analyze_seconds']:.1f}s;"
            f" fresh ingest equal: {ref['fresh_equal']}; analysis reproducible:"
            f" {ref['analysis_reproducible']}"
        )
        rounds = []
        for i in range(args.kills):
            row = kill_round(("ingest", "analyze")[i % 2], ref, tmp, rng, i)
            rounds.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
        concurrent = concurrency_round(ref, tmp)
        print(json.dumps(concurrent), file=sys.stderr, flush=True)
    killed = [r for r in rounds if not r["finished_before_kill"]]
    summary = {
        "kills": len(rounds),
        "killed_mid_run": len(killed),
        "intact": sum(r["intact"] for r in rounds),
        "partial_states": sum(r["state_after_kill"] == "PARTIAL" for r in rounds),
        "reruns_clean": sum(r["rerun_clean"] for r in rounds),
        "fresh_ingest_equal": ref["fresh_equal"],
        "analysis_reproducible": ref["analysis_reproducible"],
        "seconds": round(time.perf_counter() - t0, 1),
    }
    for kind in ("ingest", "analyze"):
        mine = [r for r in rounds if r["kind"] == kind]
        summary[f"{kind}_killed_mid_run"] = sum(not r["finished_before_kill"] for r in mine)
    print(json.dumps({"summary": summary, "concurrency": concurrent}, indent=2))
    write_results("crash_safety", {"summary": summary, "rounds": rounds, "concurrency": concurrent})


if __name__ == "__main__":
    main()
