"""Old module names (feedback-mining 0.1), kept as loud aliases of their new homes until 0.3."""
from __future__ import annotations

import sys
import warnings
from importlib import import_module


def alias(old: str, *new: str) -> None:
    """Make module ``old`` re-export the public names of modules ``new``, with a DeprecationWarning."""
    warnings.warn(f"{old} is deprecated and will be removed in 0.3; import from {' / '.join(new)} instead",
                  DeprecationWarning, stacklevel=3)
    module = sys.modules[old]
    for name in new:
        src = import_module(name)
        for attr in getattr(src, "__all__", [a for a in vars(src) if not a.startswith("_")]):
            setattr(module, attr, getattr(src, attr))
