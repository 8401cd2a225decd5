"""Shared helpers of the benchmarks: cached corpora, timing, peak memory, results files.

Everything a benchmark builds (corpora, stores, results) goes under ``benchmarks/out/``, which git
ignores. A generated corpus is cached under a name that carries a digest of the generator's
source, so a change to the generator never benchmarks a stale corpus.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The devset and real corpora live beside the project (../shared), never in it.
SHARED = Path(__file__).resolve().parents[2] / "shared"
OUT = ROOT / "benchmarks" / "out"

if str(ROOT) not in sys.path:  # so that `python benchmarks/x.py` finds the packages
    sys.path.insert(0, str(ROOT))


def generator_digest() -> str:
    """Eight hex digits of the generator's source: part of every cached corpus's name."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "analytics" / "sample").glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:8]


def corpus(n: int, seed: int = 0) -> Path:
    """The root of a generated corpus (``corpus/`` documents, ``labels.json``), built once.

    Parameters
    ----------
    n : int
        Number of COEs.
    seed : int
        Generator seed.

    Returns
    -------
    Path
        ``benchmarks/out/bench-corpus-{n}-s{seed}-{digest}``.
    """
    from analytics.sample import generate_corpus

    root = OUT / f"bench-corpus-{n}-s{seed}-{generator_digest()}"
    if (root / "labels.json").exists():
        return root
    # Written beside and renamed, so an interrupted run never leaves a half corpus that looks done.
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    t = time.perf_counter()
    generate_corpus(n, seed, partial)
    partial.rename(root)
    log(f"generated {n} COEs (seed {seed}) in {time.perf_counter() - t:.1f}s -> {root}")
    return root


def distinct_corpus(n: int, seed: int = 0) -> Path:
    """``corpus(n, seed)`` with every statement made distinct, as JSON records, built once.

    The generator draws its sentences from phrasing pools and masking removes the service names
    and numbers that tell them apart, so 10,000 COEs hold ~99,000 statements but only ~2,000
    distinct texts to embed. Real corpora repeat far less. To measure a run whose embedding
    cost grows with the corpus, each why-step, root cause and action title here ends in a
    made-up word in brackets (" (kobadari)"): a different word per COE, which
    masking keeps, so no two COEs share a text. Everything else is the generated COE.
    """
    from analytics.parsers import parse_path

    root = OUT / f"bench-distinct-{n}-s{seed}-{generator_digest()}"
    if (root / "labels.json").exists():
        return root
    source = corpus(n, seed)
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "corpus").mkdir(parents=True)
    coes = (coe for path in corpus_documents(source) for coe in parse_path(path))
    for i, coe in enumerate(coes):
        word, record = _made_up_word(i), coe.to_dict()
        record["whys"] = [{**w, "answer": _tagged(w["answer"], word)} for w in record["whys"]]
        record["root_causes"] = [_tagged(rc, word) for rc in record["root_causes"]]
        record["actions"] = [{**a, "title": _tagged(a["title"], word)} for a in record["actions"]]
        out = partial / "corpus" / f"{coe.id}.json"
        out.write_text(json.dumps(record), encoding="utf-8")
    shutil.copy(source / "labels.json", partial / "labels.json")
    partial.rename(root)
    return root


def _tagged(text: str | None, word: str) -> str | None:
    return f"{text} ({word})" if text else text


_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def _made_up_word(i: int) -> str:
    """A pronounceable made-up word, a different one for every i below 70**4.

    >>> _made_up_word(0), _made_up_word(71)
    ('babababa', 'bebebaba')
    """
    word = ""
    for _ in range(4):
        i, r = divmod(i, len(_SYLLABLES))
        word += _SYLLABLES[r]
    return word


def corpus_documents(root: Path) -> list[Path]:
    """The documents of a generated corpus in sorted (COE id, so date) order."""
    return sorted(p for p in (root / "corpus").iterdir() if p.is_file())


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Timing:
    """Wall and CPU seconds of one timed block (filled in when the block ends)."""

    wall_s: float = 0.0
    cpu_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


@contextmanager
def timed() -> Iterator[Timing]:
    """Time a block: wall clock and this process's CPU time.

    CPU time is reported too because on a shared machine wall time also measures the neighbours.
    """
    out = Timing()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield out
    finally:
        out.wall_s = round(time.perf_counter() - wall, 3)
        out.cpu_s = round(time.process_time() - cpu, 3)


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def max_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# Run as ``python -c _LAUNCHER FD ARGV...``: forks, execs ARGV in the grandchild, waits for it and
# writes its "cpu_s max_rss_kib" to FD. On Linux a child's ru_maxrss starts at its parent's peak
# (fork copies the high-water mark, exec keeps it), so a benchmark that had grown (generating a
# 100,000-COE corpus in process: 1.7 GB) lent its own peak to every stage it ran. The launcher is a
# bare interpreter (about 10 MiB), the only floor left under the command's own figure.
_LAUNCHER = """
import os, signal, sys
fd = int(sys.argv[1])
pid = os.fork()
if pid == 0:
    os.close(fd)
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
os.write(fd, f"{usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}".encode())
code = os.waitstatus_to_exitcode(status)
if code < 0:  # die of the same signal, as the command did
    if -code not in (signal.SIGKILL, signal.SIGSTOP):
        signal.signal(-code, signal.SIG_DFL)
    os.kill(os.getpid(), -code)
sys.exit(code)
"""


def run_measured(argv: Sequence[str], *, cwd: Path = ROOT) -> dict[str, Any]:
    """Run a command to completion; its wall time, CPU time, peak RSS and output.

    CPU time and peak RSS are the command's own (``wait4`` rusage of a grandchild:
    :data:`_LAUNCHER`), so nothing this process holds or held counts. stdout is captured (a
    worker prints its JSON result there); stderr passes through.
    """
    t = time.perf_counter()
    read, write = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(write), *argv],
            cwd=cwd,
            stdout=subprocess.PIPE,
            text=True,
            pass_fds=(write,),
        )
    finally:
        os.close(write)
    with os.fdopen(read) as report:
        stdout = proc.stdout.read() if proc.stdout else ""
        proc.wait()
        figures = report.read().split()
    cpu_s, rss_kib = (float(x) for x in figures) if len(figures) == 2 else (math.nan, math.nan)
    return {
        "argv": list(argv),
        "returncode": proc.returncode,
        "wall_s": round(time.perf_counter() - t, 3),
        "cpu_s": round(cpu_s, 3),
        "max_rss_mib": round(rss_kib / 1024, 1),
        "stdout": stdout,
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on: they mean little without the load beside them."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def write_results(name: str, data: dict[str, Any]) -> Path:
    """Write ``benchmarks/out/{name}.json`` with the machine's description; return the path."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(
        json.dumps({"machine": machine(), **data}, indent=2, default=str) + "\n", encoding="utf-8"
    )
    log(f"wrote {path}")
    return path


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table; floats to 3 decimals, None as a dash."""

    def cell(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.3f}"
        return str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(value: float, target: float, *, at_most: bool) -> str:
    """``pass`` or ``FAIL`` against a target, for the printed tables."""
    ok = value <= target if at_most else value >= target
    return "pass" if ok else "FAIL"
