"""Deprecated alias (0.1 layout): see feedback_mining.text.normalize, feedback_mining.text.privacy."""
from ._compat import alias

alias(__name__, "feedback_mining.text.normalize", "feedback_mining.text.privacy")
