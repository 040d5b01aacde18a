"""Deprecated alias (0.1 layout): see feedback_mining.report.charts, feedback_mining.report.svg, feedback_mining.report.style."""
from ._compat import alias

alias(__name__, "feedback_mining.report.charts", "feedback_mining.report.svg", "feedback_mining.report.style")
