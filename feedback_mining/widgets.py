"""Deprecated alias (0.1 layout): see feedback_mining.notebook, feedback_mining.analysis, feedback_mining.labelling, feedback_mining.pipeline."""
from ._compat import alias

alias(__name__, "feedback_mining.notebook", "feedback_mining.analysis", "feedback_mining.labelling", "feedback_mining.pipeline")
