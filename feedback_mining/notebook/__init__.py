"""Notebook views (ipywidgets + small anywidget components): explore, root causes, label and retrain, report.

>>> from feedback_mining.pipeline import load_classified
>>> from feedback_mining.notebook import Explorer, RootCauseView, Labeller, show_report
>>> df, model = load_classified()
>>> Explorer(df, model=model)

The logic lives in :mod:`feedback_mining.analysis` and :mod:`feedback_mining.labelling`; these
classes only draw widgets. Widgets show masked text only. Every view shows the CJK font loader
first (:mod:`~feedback_mining.notebook.fonts`), so Chinese renders on machines without a CJK font.
"""
from __future__ import annotations

from .explorer import PAGE_SIZE, Explorer
from .fonts import font_loader
from .labeller import Labeller
from .report import show_report
from .rootcause import RootCauseView

__all__ = ["Explorer", "Labeller", "RootCauseView", "PAGE_SIZE", "font_loader", "show_report"]
