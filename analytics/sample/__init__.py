"""Synthetic COE corpus with ground truth, for demos, tests and evaluation.

``generate_corpus(n, seed, out_dir, n_drafts)`` writes Markdown, plain-text, JSON and YAML COE
documents whose root causes belong to known themes (labels.json), with planted bar-raiser defects
and held-out drafts. See ``themes`` for the catalogue, ``plan`` for how a COE is decided and
``render`` for the document layouts.
"""

from __future__ import annotations

from analytics.sample.generate import generate_corpus
from analytics.sample.store import build_sample_store

__all__ = ["build_sample_store", "generate_corpus"]
