"""Labelling: the SQLite label store, labelling sessions (queue, undo, retrain), acquisition functions
and the evaluation set a retrain is measured on.

>>> from feedback_mining.labelling import LabelStore, LabelSession, uncertainty_queue, evaluation_set
"""
from __future__ import annotations

from .acquisition import KEY_ORDER, gap_margins, key_order, proba_columns, uncertainty_queue
from .evaluation import EvaluationSet, default_devset_path, evaluation_set, label_scope, match_keys, never_train_keys
from .session import (
           LabelSession,
           RetrainResult,
           default_labeller,
           model_version,
           next_model_path,
           retrain_model,
)
from .store import LabelStore

__all__ = ["gap_margins", "proba_columns", "uncertainty_queue", "KEY_ORDER", "key_order", "LabelSession", "RetrainResult",
           "default_labeller", "model_version", "next_model_path", "retrain_model", "LabelStore", "EvaluationSet",
           "evaluation_set", "default_devset_path", "label_scope", "match_keys", "never_train_keys"]
