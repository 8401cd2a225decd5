"""Bad inputs beside good ones: each case is one `coe ingest` of 20 good documents plus one bad.

The cases are issue 15's: what a hostile or careless user puts in a folder of COEs. For each case
the script prints whether the 20 good documents landed, what `coe ingest` said about the bad one
(its status and reason), the exit status, the wall time and the peak memory of the command. Cases
that used to ingest and then poison every later analysis also run `coe analyze --embedder tfidf`
and print its exit status. Targets (issue 15): 20 good documents land, the bad one is named with a
reason, exit status 1, under 5 s and 500 MB per case. A case whose document is readable and holds
nothing invalid (a list nested 1,000 deep, why-steps without a usable word, UTF-16 with a byte order
mark) is no bad document once coegraph reads it: its target is that it lands and the run exits 0.
A readable document with invalid values (a date that does not exist, NaN, a 400-digit count, lone
surrogates, a name that is not UTF-8, cells beyond a CSV row's columns) lands with them dropped or
replaced and exits 1 (`analytics/parsers/invalid.py`).

    .venv/bin/python benchmarks/bad_inputs.py [--case NAME ...] [--timeout 60]

Each command runs under a 4 GiB address-space limit and a timeout, so a case that still explodes
is reported ("killed") instead of taking the machine down.
Peak MB is the command's ``wait4`` maximum RSS; Linux carries the high-water mark across
``exec``, so it is at least what this script held when it started the command (about 35 MB, 60
after the 21 MB case): an upper bound.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import markdown_table, write_results  # noqa: E402

SAMPLE = ROOT / "data" / "sample" / "corpus"
COE = (
    [str(ROOT / ".venv" / "bin" / "coe")]
    if (ROOT / ".venv" / "bin" / "coe").exists()
    else [
        sys.executable,
        "-m",
        "analytics.cli",
    ]
)
MEMORY_LIMIT = 4 * 1024**3

GOOD_MD = """# {id}: Checkout errors after a config push

## Summary
Checkout returned errors for 40 minutes; {extra}

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


def _md(extra: str = "", coe_id: str = "COE-BAD-0001") -> str:
    return GOOD_MD.format(id=coe_id, extra=extra)


def _json_doc(**over) -> str:
    doc = {
        "id": "COE-BAD-0001",
        "title": "Checkout errors after a config push",
        "whys": ["the config was invalid", "nobody validated it"],
        "root_cause": "Config changes skip the staged release process.",
    }
    doc.update(over)
    return json.dumps(doc)


def _yaml_doc(extra: str) -> str:
    return (
        "id: COE-BAD-0001\ntitle: Checkout errors after a config push\n"
        "root_cause: Config changes skip the staged release process.\n" + extra
    )


def _alias_bomb(levels: int, width: int) -> str:
    lines = ["title: bomb", 'a0: &a0 ["lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * width)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append(f"summary: *a{levels - 1}")
    return "\n".join(lines) + "\n"


@dataclass
class Case:
    name: str
    # writes the bad input into the folder (or elsewhere) and returns (extra argv, bad name)
    make: Callable[[Path, Path], tuple[list[str], str]]
    analyze: bool = False
    # readable, and nothing in it is invalid: it lands and the run exits 0
    sound: bool = False


def _file(name: str, content: str | bytes) -> Callable[[Path, Path], tuple[list[str], str]]:
    def make(docs: Path, _tmp: Path) -> tuple[list[str], str]:
        data = content.encode("utf-8") if isinstance(content, str) else content
        (docs / name).write_bytes(data)
        return [], name

    return make


def _latin1_name(docs: Path, _tmp: Path) -> tuple[list[str], str]:
    name = "Caf\xe9.md".encode("latin-1")
    with open(os.path.join(os.fsencode(docs), name), "wb") as fh:
        fh.write(_md(coe_id="COE-BAD-CAFE").encode())
    return [], "Caf"


def _symlink_loop(_docs: Path, tmp: Path) -> tuple[list[str], str]:
    (tmp / "loop1.md").symlink_to(tmp / "loop2.md")
    (tmp / "loop2.md").symlink_to(tmp / "loop1.md")
    return [str(tmp / "loop1.md")], "loop1.md"


def _dangling(docs: Path, _tmp: Path) -> tuple[list[str], str]:
    (docs / "gone.md").symlink_to(docs / "nowhere.md")
    return [], "gone.md"


def _fifo(_docs: Path, tmp: Path) -> tuple[list[str], str]:
    os.mkfifo(tmp / "pipe.md")
    return [str(tmp / "pipe.md")], "pipe.md"


def _named(path: str) -> Callable[[Path, Path], tuple[list[str], str]]:
    return lambda _docs, _tmp: ([path], os.path.basename(path))


def _unreadable_folder(docs: Path, _tmp: Path) -> tuple[list[str], str]:
    sub = docs / "locked"
    sub.mkdir()
    (sub / "hidden.md").write_text(_md(coe_id="COE-BAD-LOCKED"), encoding="utf-8")
    sub.chmod(0)
    return [], "locked"


def _deep_list(depth: int) -> str:
    items = "\n".join("  " * i + f"- step {i} (owner: team-a, P1)" for i in range(depth))
    return _md().replace("- Add schema validation", items + "\n- Add schema validation", 1)


def _ragged_csv() -> str:
    return (
        "id,title,root cause\n"
        "COE-BAD-0001,Checkout errors,Config skipped staging,extra,cells\n"
        "COE-BAD-0002,Cache stampede\n"
    )


CASES: list[Case] = [
    Case("front matter date 2024-02-30", _file("bad.md", "---\ndate: 2024-02-30\n---\n" + _md())),
    Case("YAML COE date 2025-13-45", _file("bad.yaml", _yaml_doc("date: 2025-13-45\n"))),
    Case(
        "JSON NaN count",
        _file("bad.json", _json_doc().replace('"title"', '"customers_affected": NaN, "title"')),
    ),
    Case(
        "JSON Infinity duration",
        _file("bad.json", _json_doc().replace('"title"', '"duration": Infinity, "title"')),
    ),
    Case(
        "YAML .nan/.inf counts",
        _file("bad.yaml", _yaml_doc("customers_affected: .inf\nduration: .nan\n")),
    ),
    Case("Markdown 400-digit number", _file("bad.md", _md("1" * 400 + " customers affected."))),
    Case(
        "JSON 5000-digit integer",
        _file(
            "bad.json",
            _json_doc().replace('"title"', f'"customers_affected": {"9" * 5000}, "title"'),
        ),
    ),
    Case(
        "JSON arrays nested 1000 deep",
        _file(
            "bad.json",
            _json_doc()
            .replace('"whys": [', '"whys": ' + "[" * 1000)
            .replace('"nobody validated it"]', '"nobody validated it"' + "]" * 1000),
        ),
    ),
    Case("JSON nested 100000 deep", _file("bad.json", "[" * 100_000 + "]" * 100_000)),
    Case("Markdown action list 1000 deep", _file("bad.md", _deep_list(1000)), sound=True),
    Case("Latin-1 file name", _latin1_name),
    Case(
        "JSON id with a lone surrogate",
        _file("bad.json", _json_doc(id="COE-\\ud800-1").replace("\\\\ud800", "\\ud800")),
        analyze=True,
    ),
    Case(
        "lone surrogates in title and root cause",
        _file(
            "bad.json",
            _json_doc(title="Checkout \\udc80 errors", root_cause="Config \\ud83d skipped").replace(
                "\\\\ud", "\\ud"
            ),
        ),
        analyze=True,
    ),
    Case(
        "why-steps with no usable token (tfidf)",
        _file(
            "bad.md",
            _md()
            .replace("Because the config was invalid.", "the")
            .replace("Because nobody validated it.", "x")
            .replace("Because the pipeline has no schema check.", "12345"),
        ),
        analyze=True,
        sound=True,
    ),
    Case("symlink loop on the command line", _symlink_loop),
    Case("dangling symlink in the folder", _dangling),
    Case(f"YAML alias bomb ({len(_alias_bomb(9, 8))} bytes)", _file("bad.yaml", _alias_bomb(9, 8))),
    Case(
        f"YAML alias bomb ({len(_alias_bomb(9, 10))} bytes)", _file("bad.yaml", _alias_bomb(9, 10))
    ),
    Case("/dev/zero on the command line", _named("/dev/zero")),
    Case("FIFO on the command line", _fifo),
    Case("/proc file on the command line", _named("/proc/self/status")),
    Case(
        "UTF-16 document",
        _file("bad.md", "\ufeff".encode("utf-16-le") + _md().encode("utf-16-le")),
        sound=True,
    ),
    Case("21 MB file", _file("bad.md", _md() + "x" * (21 * 1024 * 1024))),
    Case("ragged CSV rows", _file("bad.csv", _ragged_csv())),
    Case("unreadable sub-folder", _unreadable_folder),
]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _run(argv: list[str], cwd: Path, timeout: float) -> dict:
    """One command under a memory limit and a timeout: exit status, seconds, peak MB, output."""
    out, err = cwd / "stdout.txt", cwd / "stderr.txt"
    t = time.perf_counter()
    with open(out, "wb") as o, open(err, "wb") as e:
        proc = subprocess.Popen(
            argv, cwd=cwd, stdout=o, stderr=e, stdin=subprocess.DEVNULL, preexec_fn=_limit_memory
        )
        killed = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t > timeout:
                proc.kill()
                killed = True
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "exit": "killed (timeout)" if killed else proc.returncode,
        "seconds": round(time.perf_counter() - t, 2),
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
        "stdout": out.read_text("utf-8", "replace"),
        "stderr": err.read_text("utf-8", "replace"),
    }


def _landed(store: Path, good: list[str]) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(store) as conn:
            paths = {os.path.basename(p) for (p,) in conn.execute("SELECT path FROM coes")}
    except sqlite3.Error:
        return 0
    return sum(name in paths for name in good)


def _bad_outcome(stdout: str, stderr: str, bad: str) -> str:
    """What `coe ingest` said about the bad document: its status and reason, or 'not named'."""
    try:
        rows = json.loads(stdout)
    except json.JSONDecodeError:
        rows = []
    for row in rows:
        if bad in row.get("path", ""):
            reason = row.get("reason") or ""
            if row.get("line"):
                reason = f"line {row['line']}: {reason}"
            if row.get("damage"):
                reason = "; ".join(row["damage"])[:120]
                return f"{row['status']} with invalid values: {reason}"
            n = len(row.get("warnings") or []) + len(row.get("record_warnings") or [])
            warn = f" ({n} warnings)" if n else ""
            return f"{row['status']}: {reason}".rstrip(": ") + warn
    if bad in stderr:
        last = [ln for ln in stderr.splitlines() if bad in ln][-1]
        return f"stderr: {last.strip()[:120]}"
    tail = stderr.strip().splitlines()[-1:] or ["(nothing)"]
    return f"not named; stderr ends: {tail[0][:100]}"


def run_case(case: Case, timeout: float) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="coe-bad-"))
    try:
        docs = tmp / "docs"
        docs.mkdir()
        good = sorted(p.name for p in SAMPLE.iterdir())[:20]
        for name in good:
            shutil.copy(SAMPLE / name, docs / name)
        extra, bad = case.make(docs, tmp)
        store = tmp / "store.db"
        argv = [*COE, "ingest", str(docs), *extra, "--store", str(store)]
        ran = _run([*argv, "--format", "json", "--no-progress"], tmp, timeout)
        row = {
            "case": case.name,
            "good_landed": _landed(store, good),
            "bad": _bad_outcome(ran["stdout"], ran["stderr"], bad),
            "exit": ran["exit"],
            "seconds": ran["seconds"],
            "peak_mb": ran["peak_mb"],
        }
        expected = 0 if case.sound else 1
        row["target_met"] = (
            row["good_landed"] == len(good)
            and ran["exit"] == expected
            and (case.sound or not row["bad"].startswith("not named"))
            and isinstance(ran["seconds"], float)
            and ran["seconds"] < 5
            and ran["peak_mb"] < 500
        )
        if case.analyze:
            an = _run(
                [*COE, "analyze", "--embedder", "tfidf", "--no-progress", "--store", str(store)],
                tmp,
                timeout,
            )
            row["analyze_exit"] = an["exit"]
            if an["exit"] != 0:
                row["analyze_error"] = (an["stderr"].strip().splitlines() or [""])[-1][:120]
        return row
    finally:
        for sub in tmp.rglob("*"):
            if sub.is_dir() and not sub.is_symlink():
                sub.chmod(0o700)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", action="append", help="run only cases whose name contains this")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per command")
    args = ap.parse_args()
    cases = [c for c in CASES if not args.case or any(s in c.name for s in args.case)]
    rows = []
    for case in cases:
        row = run_case(case, args.timeout)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    print(
        markdown_table(
            [
                "case",
                "good landed /20",
                "bad document",
                "exit",
                "s",
                "peak MB",
                "analyze exit",
                "target met",
            ],
            [
                [
                    r["case"],
                    r["good_landed"],
                    r["bad"],
                    r["exit"],
                    r["seconds"],
                    r["peak_mb"],
                    r.get("analyze_exit", ""),
                    "yes" if r["target_met"] else "NO",
                ]
                for r in rows
            ],
        )
    )
    if os.geteuid() == 0:
        print("\n(run as root: the unreadable sub-folder is readable to root)")
    write_results("bad_inputs", {"cases": rows})


if __name__ == "__main__":
    main()
