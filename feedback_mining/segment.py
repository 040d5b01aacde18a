"""Deprecated alias (0.1 layout): see feedback_mining.text.tokenizer."""
from ._compat import alias

alias(__name__, "feedback_mining.text.tokenizer")
