"""Process pools: one start method for the whole package."""
from __future__ import annotations

import multiprocessing as mp
import sys

__all__ = ["pool_context"]


def pool_context():
    """``fork`` on Linux (workers share the loaded model's pages), ``spawn`` elsewhere."""
    return mp.get_context("fork") if sys.platform.startswith("linux") else mp.get_context("spawn")
