"""Tests of the synthetic COE corpus generator (analytics.sample)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from analytics.sample import generate_corpus
from analytics.sample.draft_phrasings import DRAFT_WORDING
from analytics.sample.themes import (
    FIRST_NAMES,
    LAST_NAMES,
    SHALLOW_ROOTS,
    THEMES,
    VAGUE_ACTIONS,
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("corpus")
    return out, generate_corpus(600, seed=3, out_dir=out, n_drafts=10)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _depth(whys: list[dict]) -> int:
    parent = {w["id"]: w["parent"] for w in whys}
    best = 0
    for wid in parent:
        d, cur = 0, wid
        while cur is not None:
            d, cur = d + 1, parent[cur]
        best = max(best, d)
    return best


def test_same_seed_gives_same_bytes(tmp_path: Path) -> None:
    a = generate_corpus(80, seed=11, out_dir=tmp_path / "a", n_drafts=4)
    b = generate_corpus(80, seed=11, out_dir=tmp_path / "b", n_drafts=4)
    assert a == b
    tree_a, tree_b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert len(tree_a) == 80 + 4 + 1
    assert tree_a == tree_b


def test_different_seeds_differ(tmp_path: Path) -> None:
    a = generate_corpus(40, seed=1, out_dir=tmp_path / "a")
    b = generate_corpus(40, seed=2, out_dir=tmp_path / "b")
    assert [c["title"] for c in a["coes"].values()] != [c["title"] for c in b["coes"].values()]
    assert _tree(tmp_path / "a") != _tree(tmp_path / "b")


def test_every_file_exists_and_carries_its_id(corpus: tuple[Path, dict]) -> None:
    out, labels = corpus
    assert len(labels["coes"]) == 600
    files = {f"corpus/{p.name}" for p in (out / "corpus").iterdir()}
    assert files == {c["file"] for c in labels["coes"].values()}
    for cid, coe in labels["coes"].items():
        assert re.fullmatch(r"COE-20\d\d-\d{4}", cid)
        assert cid[4:8] == coe["date"][:4]
        assert "2024-07-01" <= coe["date"] <= "2026-06-30"
        assert Path(coe["file"]).stem == cid
        assert cid in (out / coe["file"]).read_text(encoding="utf-8")


def test_formats_are_mixed_mostly_markdown(corpus: tuple[Path, dict]) -> None:
    _, labels = corpus
    formats = [c["format"] for c in labels["coes"].values()]
    share = {f: formats.count(f) / len(formats) for f in ("md", "txt", "json", "yaml")}
    assert 0.65 < share["md"] < 0.85
    assert all(share[f] > 0.03 for f in ("txt", "json", "yaml"))


def test_structured_documents_hold_the_labelled_fields(corpus: tuple[Path, dict]) -> None:
    out, labels = corpus
    checked = 0
    for cid, coe in labels["coes"].items():
        if coe["format"] not in ("json", "yaml"):
            continue
        text = (out / coe["file"]).read_text(encoding="utf-8")
        data = json.loads(text) if coe["format"] == "json" else yaml.safe_load(text)
        assert data["id"] == cid
        assert data["whys"] == coe["whys"]
        assert data["root_causes"] == coe["root_causes"]
        assert [a["title"] for a in data.get("actions", [])] == [a["title"] for a in coe["actions"]]
        assert data["date"] == coe["date"]
        assert data["services"] == coe["services"]
        checked += 1
    assert checked > 40


def test_themes_recur_across_services_and_teams(corpus: tuple[Path, dict]) -> None:
    _, labels = corpus
    services, teams = defaultdict(set), defaultdict(set)
    for coe in labels["coes"].values():
        services[coe["theme"]].update(coe["services"])
        teams[coe["theme"]].add(coe["team"])
    systemic = [t for t, info in labels["themes"].items() if info["systemic"]]
    assert len(systemic) >= 12
    for theme in systemic:
        assert len(services[theme]) >= 5, theme
        assert len(teams[theme]) >= 3, theme
    all_services = set().union(*services.values())
    assert len(all_services) >= 20
    assert len({c["team"] for c in labels["coes"].values()}) >= 6


def test_one_off_causes_occur_once(corpus: tuple[Path, dict]) -> None:
    _, labels = corpus
    oneoff = [c["theme"] for c in labels["coes"].values() if c["theme"].startswith("oneoff-")]
    assert len(oneoff) == len(set(oneoff))
    assert 0.04 < len(oneoff) / len(labels["coes"]) < 0.16
    assert all(not labels["themes"][t]["systemic"] for t in oneoff)


def test_themes_are_written_many_ways(corpus: tuple[Path, dict]) -> None:
    _, labels = corpus
    leaves = defaultdict(set)
    for coe in labels["coes"].values():
        if not coe["defects"]:
            leaves[coe["theme"]].add(coe["whys"][-1]["answer"].split(",")[0].lower())
    for theme, info in labels["themes"].items():
        if info["systemic"]:
            assert len(leaves[theme]) >= 6, theme


def test_defect_rates_in_range(corpus: tuple[Path, dict]) -> None:
    _, labels = corpus
    coes = list(labels["coes"].values())
    flawed = [c for c in coes if c["defects"]]
    assert 0.08 < len(flawed) / len(coes) < 0.25
    kinds = {d for c in flawed for d in c["defects"]}
    assert len(kinds) >= 8


def test_clean_coes_pass_every_check(corpus: tuple[Path, dict]) -> None:
    out, labels = corpus
    people = re.compile(rf"\b({'|'.join(FIRST_NAMES)}) ({'|'.join(LAST_NAMES)})\b")
    shallow = [s for s in SHALLOW_ROOTS if " " in s]
    for coe in labels["coes"].values():
        if coe["defects"]:
            continue
        assert _depth(coe["whys"]) >= 5
        assert all(v is not None for v in coe["impact"].values())
        assert coe["actions"]
        for action in coe["actions"]:
            assert action["owner"] and action["priority"] and action["due"]
            assert re.fullmatch(r"P[0-3]", action["priority"])
            assert action["family"] != "vague-intent"
        assert coe["named_people"] == []
        text = (out / coe["file"]).read_text(encoding="utf-8")
        assert not people.search(text)
        assert not any(s in text.lower() for s in shallow)
        assert not any(v.split(" {")[0] in text for v in VAGUE_ACTIONS)


def test_planted_defects_are_visible(corpus: tuple[Path, dict]) -> None:
    out, labels = corpus
    for coe in labels["coes"].values():
        text = (out / coe["file"]).read_text(encoding="utf-8")
        defects = coe["defects"]
        if "too-few-whys" in defects:
            assert len(coe["whys"]) < 5
        if "names-individual" in defects:
            assert coe["named_people"]
            assert all(name in text for name in coe["named_people"])
        if "impact-not-quantified" in defects:
            assert all(v is None for v in coe["impact"].values())
        if "shallow-root-cause" in defects:
            leaf = coe["whys"][-1]["answer"].lower()
            assert any(s in leaf for s in ("human error", "mistake", "bug in the code"))
        for rule, key in (
            ("action-missing-owner", "owner"),
            ("action-missing-priority", "priority"),
            ("action-missing-due", "due"),
        ):
            if rule in defects:
                assert any(a[key] is None for a in coe["actions"])
        if "missing-section" in defects:
            assert not coe["actions"] or "timeline" not in text.lower()


def test_ground_truth_stays_out_of_documents(corpus: tuple[Path, dict]) -> None:
    out, labels = corpus
    theme_ids = [t for t in labels["themes"] if not t.startswith("oneoff-")]
    for coe in labels["coes"].values():
        text = (out / coe["file"]).read_text(encoding="utf-8")
        assert "oneoff" not in text
        assert not any(t in text for t in theme_ids)


def test_related_links_point_to_earlier_same_theme_coes(corpus: tuple[Path, dict]) -> None:
    _, labels = corpus
    coes = labels["coes"]
    linked = 0
    for coe in coes.values():
        for ref in coe["related"]:
            assert coes[ref]["theme"] == coe["theme"]
            assert coes[ref]["date"] <= coe["date"]
            linked += 1
    assert linked > 20


def test_repeat_despite_action_matches_its_definition(corpus: tuple[Path, dict]) -> None:
    _, labels = corpus
    coes = list(labels["coes"].values())
    for coe in coes:
        expected = any(
            other["theme"] == coe["theme"]
            and other["date"] < coe["date"]
            and any(a["due"] and a["due"] <= coe["date"] for a in other["actions"])
            for other in coes
        )
        assert coe["repeat_despite_action"] == expected
    flags = [c["repeat_despite_action"] for c in coes]
    assert any(flags) and not all(flags)


def test_drafts_are_held_out(corpus: tuple[Path, dict]) -> None:
    out, labels = corpus
    drafts = labels["drafts"]
    assert len(drafts) == 10
    corpus_texts = {p.read_text(encoding="utf-8") for p in (out / "corpus").iterdir()}
    assert len(corpus_texts) == 600
    for draft_id, draft in drafts.items():
        assert draft_id not in labels["coes"]
        assert labels["themes"][draft["theme"]]["systemic"]
        path = out / draft["file"]
        assert path.parent.name == "drafts"
        text = path.read_text(encoding="utf-8")
        assert text not in corpus_texts
        assert "COE-" not in text
        whys = re.findall(r"^\d+\. Why", text, flags=re.MULTILINE)
        assert 2 <= len(whys) <= 3
        assert "action" not in text.lower()


def test_drafts_leave_the_corpus_unchanged(tmp_path: Path) -> None:
    # Drafts draw from their own random stream: asking for drafts must not move a corpus byte.
    plain = generate_corpus(60, seed=5, out_dir=tmp_path / "plain")
    with_drafts = generate_corpus(60, seed=5, out_dir=tmp_path / "drafts", n_drafts=6)
    assert len(with_drafts["drafts"]) == 6
    assert plain["coes"] == with_drafts["coes"]
    assert _tree(tmp_path / "plain" / "corpus") == _tree(tmp_path / "drafts" / "corpus")


_STOP = frozenset(
    re.findall(
        r"\w+",
        "the and for with was were are its our that this from not nobody"
        " never had has have every after before when into any all one",
    )
)


def _content_words(text: str) -> set[str]:
    text = re.sub(r"\{\w+\}", " ", text.lower())
    return {w for w in re.findall(r"[a-z0-9]+", text) if len(w) > 2 and w not in _STOP}


def test_draft_wording_is_new() -> None:
    for theme in THEMES:
        wording = DRAFT_WORDING[theme.id]
        assert min(len(wording.symptoms), len(wording.causes), len(wording.deeper)) >= 4
        corpus = [
            *theme.titles,
            *theme.roots,
            *(a for stage in theme.stages for a in stage.answers),
        ]
        corpus_words = [_content_words(c) for c in corpus]
        for phrase in (*wording.titles, *wording.symptoms, *wording.causes, *wording.deeper):
            words = _content_words(phrase)
            for other, text in zip(corpus_words, corpus, strict=True):
                jaccard = len(words & other) / len(words | other)
                assert jaccard <= 0.4, (theme.id, phrase, text)


def test_drafts_do_not_reuse_corpus_sentences(corpus: tuple[Path, dict]) -> None:
    out, labels = corpus
    known = {_norm(w["answer"]) for c in labels["coes"].values() for w in c["whys"]}
    known |= {_norm(r) for c in labels["coes"].values() for r in c["root_causes"]}
    for draft in labels["drafts"].values():
        text = (out / draft["file"]).read_text(encoding="utf-8")
        answers = re.findall(r"^\d+\. Why[^?]*\? Because (.*)$", text, flags=re.MULTILINE)
        assert 2 <= len(answers) <= 3
        assert not {_norm(a) for a in answers} & known, draft["file"]


def _norm(text: str | None) -> str | None:
    if text is None:
        return None
    return re.sub(r"^because\s+", "", text.strip(), flags=re.IGNORECASE).rstrip(".").casefold()


def parser_accuracy(out: Path, labels: dict, limit: int) -> dict[str, float]:
    """Field-level agreement of ``parse_path`` with the labels on the first ``limit`` COEs."""
    from analytics.parsers import parse_path

    hits: dict[str, list[bool]] = defaultdict(list)
    for coe in list(labels["coes"].values())[:limit]:
        [rec] = parse_path(out / coe["file"])
        hits["why_count"].append(len(rec.whys) == len(coe["whys"]))
        for got, want in zip(rec.whys, coe["whys"], strict=False):
            hits["why_id_parent"].append((got.id, got.parent) == (want["id"], want["parent"]))
            hits["why_question"].append(_norm(got.question) == _norm(want["question"]))
            hits["why_answer"].append(_norm(got.answer) == _norm(want["answer"]))
        hits["root_causes"].append(
            [_norm(r) for r in rec.root_causes] == [_norm(r) for r in coe["root_causes"]]
        )
        hits["action_count"].append(len(rec.actions) == len(coe["actions"]))
        for got, want in zip(rec.actions, coe["actions"], strict=False):
            hits["action_title"].append(got.title == want["title"])
            for key in ("owner", "priority", "due", "status"):
                hits[f"action_{key}"].append(getattr(got, key) == want[key])
        for key in ("title", "team", "severity", "date"):
            hits[key].append(getattr(rec, key) == coe[key])
        hits["services"].append(list(rec.services) == coe["services"])
    return {k: sum(v) / len(v) for k, v in hits.items() if v}


def test_parser_reads_back_the_labels(corpus: tuple[Path, dict]) -> None:
    pytest.importorskip("analytics.parsers")
    out, labels = corpus
    accuracy = parser_accuracy(out, labels, limit=200)
    print(json.dumps(accuracy, indent=1))
    # Issue target: every field >= 99% on 200 generated documents.
    for key, value in accuracy.items():
        assert value >= 0.99, (key, value)
