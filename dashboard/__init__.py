"""The coegraph dashboard (Dash): ``create_app(store_path)`` and ``serve(store_path)``."""

from __future__ import annotations

from dashboard.app import create_app, serve

__all__ = ["create_app", "serve"]
