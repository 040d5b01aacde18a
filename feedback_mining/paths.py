"""Where the project's data lives.

Two homes: the runtime resources every install needs — taxonomy, jieba domain dictionary,
stopwords — ship inside the package (``feedback_mining/resources/``, package data in the wheel);
the labelled complaints stay in the repository's ``corpora/`` (training and demo data).

>>> resource_file("taxonomy", "gaps.yaml").name
'gaps.yaml'
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESOURCES = Path(__file__).resolve().parent / "resources"


def corpora_dir() -> Path:
    """The bundled corpora folder; ``FEEDBACK_MINING_CORPORA`` overrides it."""
    return Path(os.environ.get("FEEDBACK_MINING_CORPORA", PROJECT_ROOT / "corpora"))


def corpus_file(*parts: str) -> Path:
    """A file in :func:`corpora_dir`, e.g. ``corpus_file("complaints_labeled.csv")``."""
    return corpora_dir().joinpath(*parts)


def resource_file(*parts: str) -> Path:
    """A runtime resource: ``taxonomy/gaps.yaml``, ``dict/domain.txt`` or ``stopwords.txt``.

    A folder named by ``FEEDBACK_MINING_CORPORA`` that holds the same relative path wins (so a
    team can keep its own taxonomy or dictionary beside its corpus); otherwise the copy shipped
    in the package.
    """
    override = os.environ.get("FEEDBACK_MINING_CORPORA")
    if override and Path(override).joinpath(*parts).is_file():
        return Path(override).joinpath(*parts)
    return RESOURCES.joinpath(*parts)


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
