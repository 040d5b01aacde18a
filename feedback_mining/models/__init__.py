"""Models: the taxonomy, text features, the gap classifier, escalation and demand, themes, model files.

>>> from feedback_mining.models import load_model, ThemeClusterer
>>> load_model(None).predict(["销售承诺送三次保养，现在不认账"])
array(['promotion'], dtype=object)

Submodules import scikit-learn; import them when needed (``feedback_mining.models.gap`` …).
"""
from __future__ import annotations

_EXPORTS = {
    "Taxonomy": "taxonomy", "Gap": "taxonomy", "load_taxonomy": "taxonomy",
    "GapClassifier": "gap", "CueFeatures": "features", "CharNgramTfidf": "features", "WordNgramTfidf": "features",
    "load_model": "registry", "default_model": "registry", "save_model": "registry", "heldout_split": "registry",
    "escalation_risk": "escalation", "customer_demands": "escalation", "annotate": "escalation",
    "ThemeClusterer": "themes", "ThemeTokenizer": "themes", "MultinomialMixture": "mixture", "class_tfidf": "ctfidf",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        from importlib import import_module

        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(name)
