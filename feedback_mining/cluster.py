"""Deprecated alias (0.1 layout): see feedback_mining.models.themes, feedback_mining.models.mixture, feedback_mining.models.ctfidf, feedback_mining.pipeline."""
from ._compat import alias

alias(__name__, "feedback_mining.models.themes", "feedback_mining.models.mixture", "feedback_mining.models.ctfidf", "feedback_mining.pipeline")
