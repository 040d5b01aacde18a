"""Where the project's bundled data lives (``corpora/`` beside the package)."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def corpora_dir() -> Path:
    """The bundled corpora folder; ``FEEDBACK_MINING_CORPORA`` overrides it."""
    return Path(os.environ.get("FEEDBACK_MINING_CORPORA", PROJECT_ROOT / "corpora"))


def corpus_file(*parts: str) -> Path:
    return corpora_dir().joinpath(*parts)


def cache_dir() -> Path:
    """Per-user cache for the default model (``FEEDBACK_MINING_CACHE`` overrides)."""
    base = os.environ.get("FEEDBACK_MINING_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "feedback-mining"
    )
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path
