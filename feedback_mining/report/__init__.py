"""Management-meeting exports: charts (PNG/SVG/PDF), summary.xlsx, deck.pptx, summary.html.

>>> from feedback_mining.report import build_report
>>> build_report(classified, "out/2026-10")          # → files written, with takeaways and actions
"""
from __future__ import annotations

from .export import FORMATS, ReportResult, build_report
from .takeaways import recommended_actions, takeaways

__all__ = ["FORMATS", "ReportResult", "build_report", "recommended_actions", "takeaways"]
