"""Benchmark: does "systemic" discriminate? Precision and recall of the flag against ground truth.

On the bundled sample (``data/sample``), whose ``labels.json`` says which planted themes are
systemic: a theme flagged systemic is correct when most of its COEs come from one planted
systemic theme; a planted systemic theme is found when some flagged theme is mostly its COEs.
On the devset (``../shared/devset``, written independently of coegraph), where every gold
mechanism recurs in four COEs of different services and teams and eight COEs are one-offs: which
themes are flagged, and whether any flagged theme is mostly one-offs. Default settings (the real
model), one run each.

    .venv/bin/python -m benchmarks.systemic
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import common  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
DEVSET = common.SHARED / "devset"


def _analysed(folder: Path, tmp: str):
    from analytics.analyze import Settings, analyze
    from analytics.ingest import ingest
    from analytics.store import load_coes, open_store

    conn = open_store(Path(tmp) / f"{folder.parent.name}.db")
    ingest(conn, [folder], progress=False)
    analysis = analyze(conn, Settings(), log=lambda m: None)
    return conn, analysis, load_coes(conn)


def flagged(analysis, coes) -> list[dict]:
    from analytics.scores import theme_stats

    return [r for r in theme_stats(analysis, coes) if r["systemic"]]


def sample_figures(tmp: str) -> dict:
    labels = json.loads((SAMPLE / "labels.json").read_text(encoding="utf-8"))
    truth = {c: v["theme"] for c, v in labels["coes"].items()}
    planted = {t for t, v in labels["themes"].items() if v.get("systemic")}
    conn, analysis, coes = _analysed(SAMPLE / "corpus", tmp)
    rows = flagged(analysis, coes)
    correct, found = 0, set()
    for r in rows:
        theme, n = Counter(truth.get(c, "?") for c in r["coes"]).most_common(1)[0]
        if theme in planted and n > len(r["coes"]) / 2:
            correct += 1
            found.add(theme)
    conn.close()
    return {
        "themes": len(analysis.themes),
        "flagged": len(rows),
        "precision": round(correct / max(len(rows), 1), 3),
        "recall": round(len(found) / max(len(planted), 1), 3),
        "planted_systemic": len(planted),
    }


def devset_figures(tmp: str) -> dict:
    from benchmarks.themes import devset_labels

    gold = json.loads((DEVSET / "gold.json").read_text(encoding="utf-8"))
    conn, analysis, coes = _analysed(DEVSET / "docs", tmp)
    truth = {c: v["theme"] for c, v in devset_labels(conn, gold)["coes"].items()}
    rows = flagged(analysis, coes)
    out = []
    for r in rows:
        theme, n = Counter(truth.get(c, "?") for c in r["coes"]).most_common(1)[0]
        out.append({"theme": r["id"], "coes": len(r["coes"]), "mostly": theme, "share": n})
    conn.close()
    return {
        "themes": len(analysis.themes),
        "flagged": out,
        "flagged_one_offs": sum(f["mostly"].startswith("one-off") for f in out),
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        result = {"sample": sample_figures(tmp)}
        if DEVSET.is_dir():
            result["devset"] = devset_figures(tmp)
    s = result["sample"]
    print(
        f"sample: {s['flagged']} of {s['themes']} themes flagged systemic; precision "
        f"{s['precision']}, recall {s['recall']} of {s['planted_systemic']} planted systemic themes"
    )
    if "devset" in result:
        d = result["devset"]
        print(f"devset: {len(d['flagged'])} of {d['themes']} themes flagged systemic:")
        for f in d["flagged"]:
            print(f"  {f['theme']}: {f['coes']} COEs, {f['share']} of them {f['mostly']}")
        print(f"  flagged themes made mostly of one-offs: {d['flagged_one_offs']}")
    common.write_results("systemic", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
