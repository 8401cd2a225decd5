"""coegraph analytics: parse, store, embed, cluster and score COE documents."""

__version__ = "0.1.0"
