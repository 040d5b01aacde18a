"""Deprecated alias (0.1 layout): see feedback_mining.models.gap, feedback_mining.models.registry, feedback_mining.pipeline."""
from ._compat import alias

alias(__name__, "feedback_mining.models.gap", "feedback_mining.models.registry", "feedback_mining.pipeline")
