"""Notebook views (ipywidgets): explore complaints, find root causes, label and retrain.

>>> from feedback_mining.pipeline import load_classified
>>> from feedback_mining.notebook import Explorer, RootCauseView, Labeller
>>> df, model = load_classified()
>>> Explorer(df, model=model)

The logic lives in :mod:`feedback_mining.analysis` and :mod:`feedback_mining.labelling`; these
classes only draw widgets. Widgets show masked text only.
"""
from __future__ import annotations

from .explorer import PAGE_SIZE, Explorer
from .labeller import Labeller
from .rootcause import RootCauseView

__all__ = ["Explorer", "Labeller", "RootCauseView", "PAGE_SIZE"]
