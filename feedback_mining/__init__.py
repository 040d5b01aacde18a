"""feedback-mining: Chinese customer complaints → root causes (five service gaps), themes, charts, decks.

>>> from feedback_mining import load_complaints, classify, segment
>>> segment("4S店服务顾问不专业")
['4S店', '服务顾问', '不专业']
>>> classify(["销售承诺送三次保养，现在不认账"])["gap"].tolist()
['promotion']

Layout (imports point one way): ``text`` → ``data`` → ``models`` → ``pipeline`` / ``analysis``
→ ``batch`` / ``report`` / ``labelling`` / ``notebook`` → ``cli``. Names are imported lazily,
so ``import feedback_mining`` stays cheap.
"""
from __future__ import annotations

__version__ = "0.2.0"

from .errors import NotAvailable, UserError  # noqa: E402

_EXPORTS = {
    "load_complaints": "data.read", "write_table": "data.write",
    "normalize_text": "text.normalize", "mask_pii": "text.privacy", "segment": "text.tokenizer", "Tokenizer": "text.tokenizer",
    "load_model": "models.registry", "default_model": "models.registry", "GapClassifier": "models.gap",
    "ThemeClusterer": "models.themes", "classify_frame": "pipeline", "cluster_frame": "pipeline",
    "load_classified": "pipeline", "classify": "pipeline", "build_report": "report",
}
__all__ = ["__version__", "UserError", "NotAvailable", *sorted(_EXPORTS)]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """JupyterLab's hook for ``jupyter labextension develop .`` (run by ``make install``): the notebooks'
    font extension, which pip installs as data files into ``share/jupyter/labextensions/`` otherwise."""
    return [{"src": "notebook/labextension", "dest": "feedback-mining-fonts"}]


def __getattr__(name: str):
    if name in _EXPORTS:
        from importlib import import_module

        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'feedback_mining' has no attribute {name!r}")
