"""Deprecated alias (0.1 layout): see feedback_mining.labelling.store."""
from ._compat import alias

alias(__name__, "feedback_mining.labelling.store")
