"""The packaged model is the upstream file: its weights are checked by sha256 when resolved."""

from __future__ import annotations

import hashlib

import pytest

from analytics.model_registry import (
    REGISTRY,
    ModelChecksumError,
    ModelNotFoundError,
    check_weights,
    resolve_model,
)


def test_the_packaged_default_model_has_the_upstream_weights():
    folder = resolve_model("all-MiniLM-L6-v2")  # raises when the sha256 differs
    packaged = REGISTRY["all-MiniLM-L6-v2"]
    weights = f"{folder}/{packaged.weights}"
    with open(weights, "rb") as f:
        assert hashlib.file_digest(f, "sha256").hexdigest() == packaged.sha256


def test_other_weights_are_refused_naming_the_file(tmp_path):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"not the upstream weights")
    expected = REGISTRY["all-MiniLM-L6-v2"].sha256
    with pytest.raises(ModelChecksumError, match="model.safetensors is not the expected"):
        check_weights(weights, expected)


def test_missing_weights_are_refused(tmp_path):
    with pytest.raises(ModelNotFoundError, match="sha256 missing"):
        check_weights(tmp_path / "model.safetensors", "0" * 64)
