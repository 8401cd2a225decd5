"""How well precedent search finds a draft's own theme: recall@k and MRR on labelled drafts.

The generator (:func:`analytics.sample.generate_corpus`) writes held-out drafts of known theme
beside its corpus; ``coe evaluate``, the tests and ``benchmarks/bench_search.py`` score a
:class:`analytics.search.PrecedentIndex` on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.record import COE

if TYPE_CHECKING:
    from analytics.search import PrecedentIndex, Weights


def evaluate_search(
    index: PrecedentIndex,
    drafts: Sequence[tuple[COE, str]],
    truth_theme: dict[str, str],
    k: int = 5,
    *,
    weights: Weights | None = None,
) -> dict[str, float]:
    """Precedent-search quality on drafts of known theme.

    ``recall@5`` (``recall@k`` for another ``k``) is the share of drafts with at least one
    precedent of the draft's own ground-truth theme among the top ``k``; ``mrr`` is the mean of
    1 / rank of the first such precedent, counting 0 when none is in the top ``k`` (so MRR@k);
    ``precision@5`` is the mean share of the top ``k`` that are of the draft's theme (it still
    separates rankings when every one finds some same-theme precedent first).

    Parameters
    ----------
    index : PrecedentIndex
    drafts : sequence of (COE, theme id)
    truth_theme : dict
        COE id -> ground-truth theme id of the indexed COEs.
    k : int
    weights : Weights, optional
        Fusion weights to evaluate (default: the index's).

    Returns
    -------
    dict
        ``{"recall@k": float, "mrr": float, "precision@k": float, "n": int}``.
    """
    hits, reciprocal, precision = 0, 0.0, 0.0
    for draft, theme in drafts:
        found = index.search(draft, k, weights=weights)
        ranks = [r for r, p in enumerate(found, 1) if truth_theme.get(p.coe_id) == theme]
        precision += len(ranks) / k
        if ranks:
            hits += 1
            reciprocal += 1 / ranks[0]
    n = len(drafts)
    return {
        f"recall@{k}": round(hits / n, 4) if n else 0.0,
        "mrr": round(reciprocal / n, 4) if n else 0.0,
        f"precision@{k}": round(precision / n, 4) if n else 0.0,
        "n": n,
    }


def load_drafts(labels: dict, labels_dir: str | Path) -> list[tuple[COE, str]]:
    """The generator's held-out drafts: ``labels["drafts"][id] = {"file", "theme"}``."""
    from analytics.parsers import parse_path

    out = []
    for _, entry in sorted((labels.get("drafts") or {}).items()):
        out.append((parse_path(Path(labels_dir) / entry["file"])[0], entry["theme"]))
    return out
