"""The labelled sets precedent search is measured and tuned on, and the baselines beside it.

Three sets, each a store built with the project's own parsers and ``coe analyze`` (default
model), a list of queries with the documents a bar raiser would want back, and the raw text of
every document for the baselines:

``devset``     ``../shared/devset``: 48 COEs of one fictional company in eight formats, and
               12 short drafts (2-4 sentences) whose relevant documents are the four COEs of the
               draft's failure mechanism. A document the parsers cannot read is not in the store,
               so coegraph cannot return it (the baselines read every file): parsing counts.
``dfds``       the DFDS postmortems' recurring incidents (corpora README): each member of a group
               searched by its stored record, the other members relevant.
``generator``  ``coe sample``'s corpus (1,000 COEs, seed 0) and its 100 held-out drafts; relevant =
               every COE of the draft's theme.

Measures, per query then averaged: ``recall@5`` = relevant documents in the top 5 over
min(relevant, 5) (on the generator, whose themes hold dozens of COEs, that is the share of the
top 5 that is relevant); ``hit@5`` = at least one in the top 5 (the generator figure of earlier
benchmarks); ``MRR`` = 1 / rank of the first relevant document within the top 50 (0 beyond);
``first`` = queries whose first result is relevant. The query's own document is never counted and
never returned.

Baselines read each document whole, as a file on disk (a CSV row: its ``column: value`` lines),
knowing nothing of COEs: BM25 (``analytics.bm25``, k1 1.2, b 0.75), TF-IDF cosine (scikit-learn,
English stop words, sublinear tf) and MiniLM (all-MiniLM-L6-v2 on the document, which the model
cuts at 256 tokens).

Stores are cached under ``benchmarks/out/`` by a digest of the code that decides the records and
statements (parsers, ingest, statement collection, masking) and of the documents, so a parser
change is measured, not a stale store; the embedding cache of the previous store of a set is
copied into a rebuilt one.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "out"
SHARED = ROOT.parent / "shared"  # the devset and real corpora, beside the project
DEVSET = SHARED / "devset"
DFDS = SHARED / "corpora" / "dfds"
DFDS_GROUPS = (
    ("PM2021-005", "PM2021-006", "PM2021-007"),
    ("PM2022-002", "PM2023-002"),
    ("PM2020-002", "PM2020-009"),
    ("PM2021-002", "PM2021-003"),
    ("PM2022-004", "PM2022-007"),
)
GENERATOR = (1000, 0, 100)  # COEs, seed, drafts
TOP = 50
# What decides the records and statements search reads (the parsers too). Themes matter to
# search only as the "shared" flag, so clustering changes do not rebuild a store.
_STORE_CODE = ("record.py", "analyze.py", "masking.py", "ingest.py")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass
class Query:
    name: str
    draft: object  # a COE record, or draft text
    text: str  # what the baselines read
    relevant: frozenset[str]  # document keys
    own: str | None = None  # the query's own document key (never counted)


@dataclass
class LabelledSet:
    name: str
    conn: sqlite3.Connection
    queries: list[Query]
    documents: dict[str, str]  # document key -> whole raw text
    key_of: dict[str, str]  # stored COE id -> document key
    unread: list[str] = field(default_factory=list)  # document keys the parsers did not store

    def index(self, **kwargs):
        from analytics.analysis import load_analysis
        from analytics.search import build_index

        return build_index(self.conn, load_analysis(self.conn), **kwargs)


# -- stores ------------------------------------------------------------------------------------


def _code_digest(*extra: Path) -> str:
    h = hashlib.sha256()
    code = ROOT / "analytics"
    for path in sorted([*code.joinpath("parsers").rglob("*.py"), *map(code.joinpath, _STORE_CODE)]):
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    for path in extra:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def analysed_store(name: str, paths: list[Path]) -> sqlite3.Connection:
    """An analysed store over ``paths``, rebuilt when the code or the documents change."""
    from analytics.analysis import load_analysis
    from analytics.analyze import Settings, analyze
    from analytics.ingest import ingest
    from analytics.store import open_store

    OUT.mkdir(exist_ok=True)
    path = OUT / f"sets-{name}-{_code_digest(*paths)}.db"
    older = [p for p in OUT.glob(f"sets-{name}-*.db") if p != path]
    conn = open_store(path)
    if load_analysis(conn) is None:
        for old in older:  # embeddings do not depend on the parsers: keep them
            conn.execute("ATTACH DATABASE ? AS old", (str(old),))
            conn.execute("INSERT OR IGNORE INTO embeddings SELECT * FROM old.embeddings")
            conn.commit()
            conn.execute("DETACH DATABASE old")
        failed = [r for r in ingest(conn, paths, progress=False) if r.status == "failed"]
        for r in failed:
            log(f"{name}: not ingested: {Path(r.path).name}: {r.reason}")
        analyze(conn, Settings(), log=lambda m: None)
        for old in older:
            old.unlink(missing_ok=True)
            Path(f"{old}.precedents.npz").unlink(missing_ok=True)
    return conn


# -- the three sets -----------------------------------------------------------------------------


def _csv_rows(path: Path) -> list[str]:
    """Each row of a CSV file as ``column: value`` lines (a baseline's whole document)."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    return ["\n".join(f"{k}: {v}" for k, v in row.items() if v) for row in rows]


def devset() -> LabelledSet:
    from analytics.parsers import ParseError, parse_path

    gold = json.loads((DEVSET / "gold.json").read_text())
    files = sorted(p for p in (DEVSET / "docs").iterdir() if p.is_file())
    conn = analysed_store("devset", files)
    documents: dict[str, str] = {}
    for d in gold["docs"]:
        path = DEVSET / "docs" / d["file"]
        if d.get("row"):
            documents[f"{d['file']}#row{d['row']}"] = _csv_rows(path)[d["row"] - 1]
        else:
            documents[d["file"]] = path.read_text(encoding="utf-8", errors="replace")
    key_of: dict[str, str] = {}
    for coe_id, stored in conn.execute("SELECT id, path FROM coes"):
        name = Path(stored).name
        if name.endswith(".csv"):
            try:
                order = [c.id for c in parse_path(stored)]
            except ParseError:
                continue
            key_of[coe_id] = f"{name}#row{order.index(coe_id) + 1}"
        else:
            key_of[coe_id] = name
    queries = [
        Query(f"draft {i} ({q['theme']})", q["query"], q["query"], frozenset(q["relevant"]))
        for i, q in enumerate(gold["precedent_queries"], 1)
    ]
    unread = sorted(set(documents) - set(key_of.values()))
    return LabelledSet("devset", conn, queries, documents, key_of, unread)


def dfds() -> LabelledSet:
    from analytics.store import load_coe

    paths = sorted(
        p for p in DFDS.glob("*.md") if "template" not in p.name.lower() and p.stem != "README"
    )
    conn = analysed_store("dfds", paths)
    key_of = {c: Path(p).stem for c, p in conn.execute("SELECT id, path FROM coes")}
    documents = {p.stem: p.read_text(encoding="utf-8", errors="replace") for p in paths}
    by_id = {v: k for k, v in key_of.items()}
    queries = []
    for group in DFDS_GROUPS:
        for member in group:
            key = next((k for k in documents if k.startswith(member)), member)
            relevant = frozenset(
                next((k for k in documents if k.startswith(m)), m) for m in group if m != member
            )
            coe_id = next((c for c in by_id if c == member or c.startswith(member)), None)
            draft = load_coe(conn, by_id[coe_id]) if coe_id else None
            queries.append(Query(member, draft, documents.get(key, ""), relevant, own=key))
    unread = sorted(set(documents) - set(key_of.values()))
    return LabelledSet("dfds", conn, queries, documents, key_of, unread)


def generator(n: int = GENERATOR[0], seed: int = GENERATOR[1], drafts: int = GENERATOR[2]):
    from analytics.parsers import parse_path
    from analytics.sample import generate_corpus
    from benchmarks.common import generator_digest

    root = OUT / f"sets-corpus-{n}-s{seed}-d{drafts}-{generator_digest()}"
    if not (root / "labels.json").exists():
        generate_corpus(n, seed, root, n_drafts=drafts)
    labels = json.loads((root / "labels.json").read_text())
    paths = sorted(root / e["file"] for e in labels["coes"].values())
    conn = analysed_store(f"generator-{n}-s{seed}", paths)
    documents = {
        c: (root / e["file"]).read_text(encoding="utf-8") for c, e in labels["coes"].items()
    }
    by_theme: dict[str, set[str]] = {}
    for c, e in labels["coes"].items():
        by_theme.setdefault(e["theme"], set()).add(c)
    queries = []
    for name, e in sorted(labels["drafts"].items()):
        path = root / e["file"]
        queries.append(
            Query(
                name,
                parse_path(path)[0],
                path.read_text(encoding="utf-8"),
                frozenset(by_theme.get(e["theme"], ())),
            )
        )
    key_of = {c: c for (c,) in conn.execute("SELECT id FROM coes")}
    return LabelledSet("generator", conn, queries, documents, key_of, [])


SETS = {"devset": devset, "dfds": dfds, "generator": generator}


# -- rankings and measures ----------------------------------------------------------------------


def measure(rankings: list[list[str]], queries: list[Query]) -> dict[str, float]:
    """recall@5, hit@5, MRR (top 50) and first-is-relevant share of ranked document keys."""
    recall = hit = mrr = first = 0.0
    for ranked, q in zip(rankings, queries, strict=True):
        ranked = [k for k in ranked if k != q.own][:TOP]
        found = [r for r, k in enumerate(ranked, 1) if k in q.relevant]
        top5 = sum(1 for r in found if r <= 5)
        recall += top5 / max(1, min(len(q.relevant), 5))
        hit += top5 > 0
        mrr += 1 / found[0] if found else 0
        first += bool(found) and found[0] == 1
    n = max(1, len(queries))
    return {
        "recall@5": recall / n,
        "hit@5": hit / n,
        "mrr": mrr / n,
        "first": first / n,
        "n": len(queries),
    }


def coegraph_rankings(labelled: LabelledSet, index, weights=None) -> list[list[str]]:
    rankings = []
    for q in labelled.queries:
        if q.draft is None:
            rankings.append([])
            continue
        raw = None if isinstance(q.draft, str) else q.text  # a file draft is read whole
        found = index.rank(q.draft, min(TOP, len(index)), weights=weights, raw=raw)
        rankings.append([labelled.key_of.get(c, c) for c in found])
    return rankings


def _ranked(scores: np.ndarray, keys: list[str]) -> list[str]:
    order = np.argsort(-scores, kind="stable")[: TOP + 1]
    return [keys[i] for i in order]


def baseline_rankings(labelled: LabelledSet, bm25_only: bool = False) -> dict[str, list[list[str]]]:
    """Rankings of the whole-document baselines (see the module docstring)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from analytics.bm25 import BM25

    keys = list(labelled.documents)
    texts = [labelled.documents[k] for k in keys]
    queries = [q.text for q in labelled.queries]
    bm25 = BM25().fit(texts)
    if bm25_only:
        return {"BM25 whole documents": [_ranked(bm25.score(q), keys) for q in queries]}
    tfidf = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit(texts)
    doc_tfidf = tfidf.transform(texts)
    cosines = (tfidf.transform(queries) @ doc_tfidf.T).toarray()
    model = _minilm()
    doc_vectors = model.encode(texts, normalize_embeddings=True, batch_size=16)
    query_vectors = model.encode(queries, normalize_embeddings=True, batch_size=16)
    return {
        "BM25 whole documents": [_ranked(bm25.score(q), keys) for q in queries],
        "TF-IDF cosine": [_ranked(row, keys) for row in cosines],
        "MiniLM whole documents": [_ranked(doc_vectors @ v, keys) for v in query_vectors],
    }


_MODEL = None


def _minilm():
    global _MODEL
    if _MODEL is None:
        from sentence_transformers import SentenceTransformer

        from analytics.model_registry import model_setting, resolve_model

        _MODEL = SentenceTransformer(resolve_model(model_setting(None)), device="cpu")
    return _MODEL
