"""Known failure mechanisms: the taxonomy (``taxonomy.yaml``) and matching COEs to it.

In: each COE's cause statements (its root causes and the last answer of each why branch), their
vectors, and the vectors of each mechanism's prototype texts (name, description, examples).
Out: per COE, the mechanism its causes state, when the evidence is strong, else nothing.

Evidence comes in two independent kinds. Cues are phrases that name a mechanism's parts
("certificate", "expired", "renewal"); each cue counts once per COE. The embedding says which
mechanism's prototype the cause statements are closest to. Among the mechanisms with a cue, the
one with the best combined score (cues + ``EMBEDDING_WEIGHT`` x best cosine similarity) is
matched when it has two cues, or one cue and is the embedding's first choice. The rule and its two numbers were fixed on the
devset's gold root-cause sentences before the parsed corpora, the generator or the real
postmortems were scored, and are not tuned per corpus.

Mechanisms marked ``generic`` (a missing alarm, a missing test) accompany almost every incident:
they are a COE's theme only when no specific mechanism has evidence.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

# One cue is worth this much cosine similarity divided by it: a 0.1 better similarity to a
# mechanism's prototype outweighs half a cue.
EMBEDDING_WEIGHT = 5.0
# Strong evidence: this many distinct cues, or one cue that the embedding's first choice confirms.
MIN_CUES = 2


@dataclass(frozen=True)
class Mechanism:
    id: str
    name: str
    description: str
    cues: tuple[re.Pattern, ...]
    examples: tuple[str, ...]
    generic: bool = False

    @property
    def prototype_texts(self) -> tuple[str, ...]:
        return (self.name, self.description, *self.examples)


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used, with the file and entry named."""


def default_taxonomy_path() -> Path:
    return Path(str(resources.files("analytics") / "taxonomy.yaml"))


def load_taxonomy(path: str | Path | None = None) -> tuple[Mechanism, ...]:
    """The mechanisms of ``path`` (else ``$COE_TAXONOMY``, else the shipped file).

    A file that says ``extends: default`` adds its entries to the shipped ones; an entry whose id
    is already there replaces it.
    """
    path = path or os.environ.get("COE_TAXONOMY") or default_taxonomy_path()
    data = _read(Path(path))
    entries = data.get("mechanisms") or []
    if data.get("extends") not in (None, "default"):
        raise TaxonomyError(f"{path}: 'extends' can only be 'default', not {data['extends']!r}")
    if data.get("extends") == "default" and Path(path) != default_taxonomy_path():
        base = {m.id: m for m in load_taxonomy(default_taxonomy_path())}
        for m in _mechanisms(entries, path):
            base[m.id] = m
        return tuple(base.values())
    return _mechanisms(entries, path)


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"{path}: cannot read the taxonomy: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("mechanisms"), list):
        raise TaxonomyError(f"{path}: a taxonomy needs a top-level 'mechanisms' list")
    return data


def _mechanisms(entries: list, path) -> tuple[Mechanism, ...]:
    out, seen = [], set()
    for n, entry in enumerate(entries, 1):
        where = f"{path}: mechanism {n}"
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("name"):
            raise TaxonomyError(f"{where}: each entry needs an 'id' and a 'name'")
        mid = str(entry["id"])
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", mid):
            raise TaxonomyError(f"{where}: id {mid!r} must be lower-case letters, digits and '-'")
        if mid in seen:
            raise TaxonomyError(f"{where}: id {mid!r} appears twice")
        seen.add(mid)
        try:
            cues = tuple(re.compile(str(c), re.I) for c in entry.get("cues") or ())
        except re.error as exc:
            raise TaxonomyError(f"{where} ({mid}): a cue is not a valid expression: {exc}") from exc
        out.append(
            Mechanism(
                id=mid,
                name=str(entry["name"]),
                description=str(entry.get("description") or ""),
                cues=cues,
                examples=tuple(str(e) for e in entry.get("examples") or ()),
                generic=bool(entry.get("generic", False)),
            )
        )
    return tuple(out)


def taxonomy_digest(mechanisms) -> str:
    """A digest of what matching reads from a taxonomy: a run extends another only under the
    same one."""
    digest = hashlib.sha256()
    for m in mechanisms:
        digest.update(
            repr((m.id, m.name, [c.pattern for c in m.cues], m.prototype_texts, m.generic)).encode()
        )
    return digest.hexdigest()[:16]


def prototypes(mechanisms, vectors: np.ndarray) -> np.ndarray:
    """One unit vector per mechanism: the mean of its prototype texts' vectors (rows of
    ``vectors`` in the order of :func:`prototype_texts`)."""
    out, row = [], 0
    for m in mechanisms:
        n = len(m.prototype_texts)
        v = vectors[row : row + n].mean(axis=0)
        out.append(v / (np.linalg.norm(v) or 1))
        row += n
    return np.stack(out) if out else np.zeros((0, vectors.shape[1]), np.float32)


def prototype_texts(mechanisms) -> list[str]:
    return [t for m in mechanisms for t in m.prototype_texts]


def cue_counts(mechanisms, text: str) -> np.ndarray:
    """Distinct cues of each mechanism found in ``text``.

    >>> ms = load_taxonomy()
    >>> counts = cue_counts(ms, "The TLS certificate expired; nobody renewed it.")
    >>> ms[int(counts.argmax())].id
    'cert-expiry'
    """
    return _counts(mechanisms, _hits(mechanisms, text))


def _hits(mechanisms, text: str) -> np.ndarray:
    """One bool per cue of every mechanism, in order: whether it occurs in ``text``."""
    return np.array([bool(c.search(text)) for m in mechanisms for c in m.cues], bool)


def _counts(mechanisms, hits: np.ndarray) -> np.ndarray:
    # bincount, not add.reduceat: reduceat gives a mechanism without cues (a user's entry with
    # only examples) the next one's first cue, and fails when the last has none.
    owner = np.repeat(np.arange(len(mechanisms)), [len(m.cues) for m in mechanisms])
    return np.bincount(owner, weights=hits.astype(float), minlength=len(mechanisms))


def evidence(
    mechanisms, texts, vectors: np.ndarray, protos: np.ndarray, memo: dict | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per mechanism: distinct cues found in ``texts`` and the best cosine similarity of their
    ``vectors`` to its prototype (the two kinds of evidence :func:`match` weighs)."""
    hits = _text_hits(mechanisms, texts, {} if memo is None else memo)
    return _counts(mechanisms, hits), (np.asarray(vectors) @ protos.T).max(axis=0)


# Reading cues costs ~0.6 ms a text (every cue is a regular expression searched on its own):
# above this many unread texts, they are read by one process per core.
PARALLEL_TEXTS = 20_000
_CHUNK = 2_000


def read_cues(mechanisms, texts, memo: dict) -> None:
    """Fill ``memo`` with the cues of each of ``texts`` it lacks (what :func:`match` reads).

    Reading them one COE at a time gives the same memo; in bulk, a large corpus's distinct
    texts (a million at 100,000 COEs) are split across the machine's cores.
    """
    from joblib import Parallel, cpu_count, delayed

    todo = [t for t in dict.fromkeys(texts) if t not in memo]
    cues = [(c.pattern, c.flags) for m in mechanisms for c in m.cues]
    workers = min(cpu_count(only_physical_cores=False), len(todo) // _CHUNK)
    if len(todo) < PARALLEL_TEXTS or workers < 2 or not cues:
        for text in todo:
            memo[text] = _hits(mechanisms, text)
        return

    chunks = [todo[i : i + _CHUNK] for i in range(0, len(todo), _CHUNK)]
    # joblib's loky processes, not multiprocessing's: they neither inherit torch's threads (as
    # forked children would) nor re-run an unguarded main script (as spawned ones do).
    packed = Parallel(n_jobs=workers)(delayed(_chunk_hits)(cues, chunk) for chunk in chunks)
    for chunk, bits in zip(chunks, packed, strict=True):
        rows = np.unpackbits(bits, axis=1, count=len(cues)).astype(bool)
        memo.update(zip(chunk, rows, strict=True))


def _chunk_hits(cues, texts: list[str]) -> np.ndarray:
    compiled = [re.compile(pattern, flags) for pattern, flags in cues]  # re caches them
    hits = np.array([[bool(c.search(t)) for c in compiled] for t in texts], bool)
    return np.packbits(hits.reshape(len(texts), len(compiled)), axis=1)


def _text_hits(mechanisms, texts, memo: dict) -> np.ndarray:
    """The cues found in any of ``texts`` (one bool per cue); ``memo`` keeps each text's."""
    hits = np.zeros(sum(len(m.cues) for m in mechanisms), bool)
    for text in texts:
        if text not in memo:
            memo[text] = _hits(mechanisms, text)
        hits |= memo[text]
    return hits


def match(
    mechanisms,
    texts,
    vectors: np.ndarray,
    protos: np.ndarray,
    memo: dict | None = None,
    chain=(),
) -> int | None:
    """The index of the mechanism one COE's cause statements state, or None.

    ``texts`` are the cause statements as written (cues read them; a cue counts once however
    many statements hold it), ``vectors`` their rows. ``chain`` is the rest of the COE's why
    chain: its cues count for specific mechanisms, which a chain often states midway while its
    last answer names a generic gap, but not for the generic gaps themselves, which the middle
    of almost every chain mentions. ``memo`` keeps each text's cues across calls: reading them
    is most of the cost, and statements recur across COEs.
    """
    if not len(mechanisms) or not texts:
        return None
    memo = {} if memo is None else memo
    hits = _text_hits(mechanisms, texts, memo)
    cues = _counts(mechanisms, hits)
    sims = (np.asarray(vectors) @ protos.T).max(axis=0)
    generic = np.array([m.generic for m in mechanisms])
    if len(chain):
        with_chain = _counts(mechanisms, hits | _text_hits(mechanisms, chain, memo))
        cues = np.where(generic, cues, with_chain)
    for kind in (~generic, generic):  # a specific mechanism first; a generic gap only alone
        named = kind & (cues >= 1)  # no mechanism is matched on the embedding alone
        if not named.any():
            continue
        best = int(np.argmax(np.where(named, cues + EMBEDDING_WEIGHT * sims, -np.inf)))
        nearest = int(np.argmax(np.where(kind, sims, -np.inf)))
        if cues[best] >= MIN_CUES or best == nearest:
            return best
    return None
