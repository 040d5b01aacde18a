"""feedback-mining: Chinese customer complaints → root causes (five service gaps), themes, charts, decks.

>>> from feedback_mining import load_complaints, segment
>>> segment("4S店服务顾问不专业")
['4S店', '服务顾问', '不专业']
"""
from __future__ import annotations

__version__ = "0.1.0"

from .errors import UserError  # noqa: E402
from .io import load_complaints  # noqa: E402
from .normalize import mask_pii, normalize_text  # noqa: E402
from .segment import Tokenizer, segment  # noqa: E402

__all__ = ["__version__", "UserError", "load_complaints", "mask_pii", "normalize_text", "Tokenizer", "segment"]
