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


def repo_root(start: str | os.PathLike | None = None) -> Path:
    """The project folder (with ``pyproject.toml`` and ``feedback_mining/``) at or above ``start`` (default: cwd).

    Works whether a notebook runs with cwd = ``notebooks/`` or the repo root; falls back to the
    folder the package was imported from.
    """
    here = Path(start or Path.cwd()).resolve()
    for p in (here, *here.parents):
        if (p / "pyproject.toml").is_file() and (p / "feedback_mining").is_dir():
            return p
    return PROJECT_ROOT


def output_dir(path: str | os.PathLike = "out/notebooks") -> Path:
    """``path`` made absolute against :func:`repo_root` (unless already absolute), created."""
    p = Path(path)
    p = p if p.is_absolute() else repo_root() / p
    p.mkdir(parents=True, exist_ok=True)
    return p
