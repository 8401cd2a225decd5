"""Cluster quality against a ground-truth labels file.

The labels file is the generator's ``labels.json``; to label a sample of your own corpus, write
only what you know::

    {"coes": {"COE-2025-014": {"theme": "cert-expiry",
                               "actions": [{"family": "automate-renewal"}, ...]}}}

``theme`` labels the COE's root cause; ``actions[i].family`` labels its i-th action in document
order. COEs absent from the file are not scored. A COE or action that coegraph leaves outside every
cluster counts as a cluster of its own (as a one-off cause should).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from analytics.analysis import Analysis


def load_labels(path: str | Path) -> dict:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if "coes" not in data:
        raise ValueError(f"{path}: a labels file needs a top-level 'coes' object")
    return data


def cluster_scores(truth: list[str], predicted: list[str | None]) -> dict[str, float]:
    """ARI, NMI and purity; ``None`` predictions become singletons.

    >>> cluster_scores(["a", "a", "b"], ["x", "x", "y"])
    {'ari': 1.0, 'nmi': 1.0, 'purity': 1.0, 'n': 3}
    """
    pred = [p if p is not None else f"__single{i}" for i, p in enumerate(predicted)]
    if not truth:
        return {"ari": 0.0, "nmi": 0.0, "purity": 0.0, "n": 0}
    groups: dict[str, Counter] = {}
    for t, p in zip(truth, pred, strict=True):
        groups.setdefault(p, Counter())[t] += 1
    purity = sum(c.most_common(1)[0][1] for c in groups.values()) / len(truth)
    return {
        "ari": round(float(adjusted_rand_score(truth, pred)), 4),
        "nmi": round(float(normalized_mutual_info_score(truth, pred)), 4),
        "purity": round(purity, 4),
        "n": len(truth),
    }


def evaluate_clusters(analysis: Analysis, labels: dict) -> dict[str, dict[str, float]]:
    """Scores of themes (per COE) and action families (per action) against ``labels``."""
    truth_t, pred_t, truth_a, pred_a = [], [], [], []
    statements = analysis.statement_by_id
    for coe_id, truth in labels["coes"].items():
        if truth.get("theme") and coe_id in analysis.coe_theme:
            truth_t.append(truth["theme"])
            pred_t.append(analysis.coe_theme[coe_id])
        for i, action in enumerate(truth.get("actions") or []):
            found = statements.get(f"{coe_id}#act{i}")
            if action.get("family") and found is not None:
                truth_a.append(action["family"])
                pred_a.append(found.cluster)
    return {"themes": cluster_scores(truth_t, pred_t), "actions": cluster_scores(truth_a, pred_a)}
