"""Field accuracy of the parsers on a labelled set (``../shared/devset`` by default).

Every document of ``gold.json`` is parsed (a CSV row is ``file#rowN``, counted from 1 after the
header) and five checks are scored per document:

- ``id``: the parsed id equals the gold id; where the gold id is null (the document names none)
  the parsed id must be the whole file stem (nothing cut, case kept).
- ``whys``: the depth of the deepest parsed why chain equals ``why_count``.
- ``root_cause``: some parsed root cause, or all of them joined, covers the gold sentence.
  The rule was fixed before any parser was tuned against it: content words are lower-cased word
  tokens of 3+ characters minus a short stop list; a candidate covers the gold sentence when it
  holds at least 60% of the gold's content words and has at most twice as many content words
  plus 10 (so that a whole document pasted as "root cause" does not pass by containing it).
  All root causes joined may be up to 4x + 20 content words: a root-cause section of a few
  paragraphs that together state the cause is a correct extraction, a whole document is not.
- ``actions``: the number of parsed actions equals the number of gold actions.
- ``owner_due``: each gold action, paired with the parsed action whose title shares the most
  content words, has the same owner (case, ``@`` and surrounding punctuation ignored) and the
  same due date (``None`` on both sides counts as the same).

A document the parsers reject fails every check. Prints per-field and overall accuracy, the
failing documents with what was expected and found, and the number rejected.

    .venv/bin/python benchmarks/parse_quality.py [--gold PATH] [--json OUT] [-v]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # so that `python benchmarks/parse_quality.py` finds the packages
    sys.path.insert(0, str(ROOT))

from analytics.parsers import ParseError, parse_path  # noqa: E402
from analytics.record import COE, why_depths  # noqa: E402

DEFAULT_GOLD = ROOT.parent / "shared" / "devset" / "gold.json"
CHECKS = ("id", "whys", "root_cause", "actions", "owner_due")

_WORD = re.compile(r"[a-z0-9][a-z0-9'._/-]*[a-z0-9]|[a-z0-9]")
_STOP_WORDS = (
    "the and for was were that this with from into onto had has have not but its our their "
    "which when then than all any are been being did does who whom whose what where why how "
    "each every one two so too very can could would should will also only just there here "
    "they them his her she him you your"
)
_STOP = frozenset(_STOP_WORDS.split())


def content_words(text: str) -> set[str]:
    """Lower-case content words of 3+ characters.

    >>> sorted(content_words("The cert expired; nobody renewed it."))
    ['cert', 'expired', 'nobody', 'renewed']
    """
    words = (w.strip("'._/-") for w in _WORD.findall(text.lower()))
    return {w for w in words if len(w) >= 3 and w not in _STOP}


def covers(candidate: str, gold: str, joined: bool = False) -> bool:
    """The root-cause rule: 60% of the gold's content words, in a statement at most 2x + 10
    content words long (all statements joined: at most 4x + 20)."""
    g, c = content_words(gold), content_words(candidate)
    if not g:
        return not c
    cap = 4 * len(g) + 20 if joined else 2 * len(g) + 10
    return len(g & c) >= 0.6 * len(g) and len(c) <= cap


def _norm_owner(owner: Any) -> str:
    return " ".join(re.sub(r"[^\w+&/ -]", " ", str(owner or "")).lower().split()).strip("-/ ")


def _stem(path: str) -> str:
    name = Path(path).name
    return name.rsplit(".", 1)[0] if "." in name else name


def check_document(gold: dict[str, Any], coe: COE | None) -> dict[str, tuple[bool, str]]:
    """``{check: (passed, what was found)}`` for one document."""
    if coe is None:
        return {c: (False, "rejected") for c in CHECKS}
    out: dict[str, tuple[bool, str]] = {}
    if gold["id"] is not None:
        out["id"] = (coe.id == gold["id"], f"{coe.id!r} (gold {gold['id']!r})")
    else:
        stem = _stem(gold["file"])
        ok = coe.id == stem or (gold.get("row") is not None and coe.id.startswith(stem))
        out["id"] = (ok, f"{coe.id!r} (gold: none, file stem {stem!r})")
    depth = max(why_depths(coe.whys).values(), default=0)
    out["whys"] = (depth == gold["why_count"], f"depth {depth} (gold {gold['why_count']})")
    rcs = list(coe.root_causes)
    ok = any(covers(r, gold["root_cause"]) for r in rcs) or (
        len(rcs) > 1 and covers(" ".join(rcs), gold["root_cause"], joined=True)
    )
    shown = " | ".join(r[:90] for r in rcs[:3]) or "none"
    out["root_cause"] = (ok, f"{len(rcs)} found: {shown}")
    g_actions, p_actions = gold["actions"], list(coe.actions)
    out["actions"] = (
        len(g_actions) == len(p_actions),
        f"{len(p_actions)} (gold {len(g_actions)})",
    )
    bad = []
    free = list(range(len(p_actions)))
    for ga in g_actions:
        gw = content_words(ga["title"])
        best = max(free, key=lambda i: len(gw & content_words(p_actions[i].title)), default=None)
        if best is None:
            bad.append(f"no action for {ga['title'][:40]!r}")
            continue
        free.remove(best)
        pa = p_actions[best]
        if _norm_owner(pa.owner) != _norm_owner(ga["owner"]) or (pa.due or None) != ga["due"]:
            bad.append(f"{pa.owner!r}/{pa.due} vs {ga['owner']!r}/{ga['due']}")
    out["owner_due"] = (not bad, "; ".join(bad[:2]) or "ok")
    return out


def evaluate(gold_path: Path) -> dict[str, Any]:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    docs_dir = gold_path.parent / "docs"
    parsed: dict[str, list[COE] | str] = {}
    results = []
    for doc in gold["docs"]:
        name = doc["file"]
        if name not in parsed:
            try:
                parsed[name] = parse_path(docs_dir / name)
            except ParseError as exc:
                parsed[name] = str(exc)
        got = parsed[name]
        coe = None
        if not isinstance(got, str):
            idx = (doc.get("row") or 1) - 1
            coe = got[idx] if idx < len(got) else None
        label = f"{name}#row{doc['row']}" if doc.get("row") else name
        results.append(
            {
                "doc": label,
                "rejected": got if isinstance(got, str) else None,
                "checks": check_document(doc, coe),
            }
        )
    per_field = {c: sum(r["checks"][c][0] for r in results) / len(results) for c in CHECKS}
    overall = sum(per_field.values()) / len(CHECKS)
    return {"results": results, "per_field": per_field, "overall": overall}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    ap.add_argument("--json", type=Path, help="write the per-document results here")
    ap.add_argument("-v", "--verbose", action="store_true", help="show passing checks too")
    args = ap.parse_args(argv)
    if not args.gold.exists():
        print(f"no labelled set at {args.gold}", file=sys.stderr)
        return 2
    res = evaluate(args.gold)
    n = len(res["results"])
    failing = defaultdict(list)
    for r in res["results"]:
        for c in CHECKS:
            ok, found = r["checks"][c]
            if not ok or args.verbose:
                failing[r["doc"]].append(f"  {'ok ' if ok else 'BAD'} {c}: {found}")
    print("failing documents:")
    for doc, lines in failing.items():
        print(doc)
        print("\n".join(lines))
    rejected = [r for r in res["results"] if r["rejected"]]
    for r in rejected:
        print(f"rejected: {r['rejected']}")
    print()
    for c in CHECKS:
        print(f"{c:<11} {res['per_field'][c]:.3f}  ({round(res['per_field'][c] * n)}/{n})")
    print(f"{'overall':<11} {res['overall']:.3f}   target >= 0.95")
    print(f"rejected    {len(rejected)}/{n}   target 0")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
