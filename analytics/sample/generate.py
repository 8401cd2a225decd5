"""Write a synthetic COE corpus and its ground truth (labels.json) to a folder."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from analytics.sample.draft_phrasings import (
    DRAFT_FIRST_QUESTIONS,
    DRAFT_FOLLOW_QUESTIONS,
    DRAFT_NOISE,
    DRAFT_OPENINGS,
    DRAFT_WORDING,
)
from analytics.sample.plan import (
    END,
    SERVICE_TEAM,
    SERVICES,
    THEME_WEIGHT,
    draw_context,
    fill,
    plan_corpus,
)
from analytics.sample.render import render
from analytics.sample.themes import ONEOFFS, THEMES

EXTENSIONS = {"md": ".md", "txt": ".txt", "json": ".json", "yaml": ".yaml"}
LABEL_KEYS = (
    "file",
    "format",
    "theme",
    "title",
    "services",
    "team",
    "severity",
    "date",
    "impact",
    "whys",
    "root_causes",
    "actions",
    "related",
    "defects",
    "named_people",
    "repeat_despite_action",
)


# Documents go in their own folder so that `coe ingest DIR/corpus` takes neither the held-out
# drafts nor labels.json.
CORPUS_DIR = "corpus"


def generate_corpus(n: int, seed: int, out_dir: Path, n_drafts: int = 0) -> dict[str, Any]:
    """Write ``n`` synthetic COE documents, ``n_drafts`` held-out drafts and labels.json.

    Parameters
    ----------
    n : int
        Number of COEs in the corpus (documents in ``out_dir/corpus/``).
    seed : int
        Seed of the single ``random.Random`` that makes every choice; the same seed gives the
        same bytes.
    out_dir : Path
        Target folder, created if missing. Documents are named after their COE id
        (``COE-2025-0142.md``); drafts go to ``out_dir/drafts/``.
    n_drafts : int, optional
        Number of partial drafts of new incidents of known systemic themes (title, summary,
        two or three whys, no actions), not part of the corpus.

    Returns
    -------
    dict
        The labels, as written to ``out_dir/labels.json`` (format in notes/CONTEXT.md).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     labels = generate_corpus(20, seed=1, out_dir=Path(tmp), n_drafts=2)
    >>> len(labels["coes"]), len(labels["drafts"])
    (20, 2)
    """
    if n < 0 or n_drafts < 0:
        raise ValueError("n and n_drafts must be non-negative")
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    (out_dir / CORPUS_DIR).mkdir(parents=True, exist_ok=True)
    plans, families = plan_corpus(n, rng)

    coes: dict[str, Any] = {}
    for plan in plans:
        name = plan.label["id"] + EXTENSIONS[plan.fmt]
        plan.label["file"] = f"{CORPUS_DIR}/{name}"
        plan.label["format"] = plan.fmt
        (out_dir / CORPUS_DIR / name).write_text(render(plan, rng), encoding="utf-8")
        coes[plan.label["id"]] = {key: plan.label[key] for key in LABEL_KEYS}
        plan.style = {}  # layout is spent once written; keeps 100k-COE runs small

    themes: dict[str, Any] = {t.id: {"name": t.name, "systemic": True} for t in THEMES}
    for plan in plans:
        if plan.theme_id.startswith("oneoff-"):
            idx = int(plan.theme_id.split("-")[1]) - 1
            title = ONEOFFS[idx].title.replace("{svc2}", "a caller").replace("{svc}", "a service")
            themes[plan.theme_id] = {
                "name": title.replace("{region}", "a region"),
                "systemic": False,
            }

    drafts = _write_drafts(n_drafts, seed, out_dir)
    labels = {
        "seed": seed,
        "n": n,
        "themes": themes,
        "action_families": {fid: {"name": families[fid].name} for fid in sorted(families)},
        "coes": coes,
        "drafts": drafts,
    }
    # Indentation makes small samples readable; large corpora stay compact.
    text = json.dumps(labels, indent=1 if n <= 5000 else None, ensure_ascii=False)
    (out_dir / "labels.json").write_text(text + "\n", encoding="utf-8")
    return labels


def _write_drafts(n_drafts: int, seed: int, out_dir: Path) -> dict[str, Any]:
    # A random stream of their own: adding or rewording drafts must never move a corpus byte.
    rng = random.Random(seed * 7919 + 1)
    drafts: dict[str, Any] = {}
    if not n_drafts:
        return drafts
    (out_dir / "drafts").mkdir(exist_ok=True)
    width = max(3, len(str(n_drafts)))
    for k in range(n_drafts):
        draft_id = f"DRAFT-{k + 1:0{width}d}"
        theme = THEMES[rng.choices(range(len(THEMES)), weights=THEME_WEIGHT)[0]]
        wording = DRAFT_WORDING[theme.id]
        svc = rng.choice(SERVICES)
        team = SERVICE_TEAM[svc]
        ctx = draw_context(rng, svc, team)
        day = END + dt.timedelta(days=rng.randint(1, 30))
        depth = rng.choice((1, 2))
        questions = [rng.choice(DRAFT_FIRST_QUESTIONS)]
        questions += rng.sample(DRAFT_FOLLOW_QUESTIONS, depth)
        answers = [rng.choice(wording.causes)] + rng.sample(wording.deeper, depth)
        summary = [rng.choice(wording.symptoms)]
        # One or two sentences of unrelated context, before or after the symptom.
        for noise in rng.sample(DRAFT_NOISE, rng.choice((1, 2))):
            summary.insert(rng.randint(0, len(summary)), noise)
        summary.append(rng.choice(DRAFT_OPENINGS))
        lines = [
            f"# Draft: {fill(rng.choice(wording.titles), ctx)}",
            "",
            f"Services: {svc}",
            f"Team: {team}",
            f"Date: {day.isoformat()}",
            "Status: draft, under review",
            "",
            "## Summary",
            "",
            fill(" ".join(summary), ctx),
            "",
            "## Five Whys (in progress)",
            "",
        ]
        lines += [
            f"{i + 1}. {fill(q, ctx)} Because {fill(a, ctx)}."
            for i, (q, a) in enumerate(zip(questions, answers, strict=True))
        ]
        name = f"{draft_id}.md"
        (out_dir / "drafts" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        drafts[draft_id] = {"file": f"drafts/{name}", "theme": theme.id}
    return drafts
