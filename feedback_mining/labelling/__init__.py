"""Labelling: the SQLite label store, labelling sessions (queue, undo, retrain) and acquisition functions.

>>> from feedback_mining.labelling import LabelStore, LabelSession, uncertainty_queue
"""
from __future__ import annotations

from .acquisition import gap_margins, proba_columns, uncertainty_queue
from .session import (
           LabelSession,
           RetrainResult,
           default_labeller,
           model_version,
           next_model_path,
           retrain_model,
)
from .store import LabelStore

__all__ = ["gap_margins", "proba_columns", "uncertainty_queue", "LabelSession", "RetrainResult", "default_labeller",
           "model_version", "next_model_path", "retrain_model", "LabelStore"]
