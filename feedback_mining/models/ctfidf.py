"""Class-based TF-IDF (as in BERTopic): the terms most distinctive of each class of documents.

>>> class_tfidf([["退款", "太慢"], ["骑手", "态度"]], [0, 1], top=1)
{0: [('太慢', ...)], 1: [('态度', ...)]}
"""
from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["class_tfidf", "identity", "hash_text"]


def identity(tokens):
    """An analyzer for pre-tokenized documents (module-level, so vectorizers stay picklable)."""
    return tokens


def class_tfidf(docs: list[list[str]], labels, top: int = 10, ignore=(), min_df: int = 2) -> dict:
    """Class-based TF-IDF (as in BERTopic): per label, the terms most distinctive of it.

    ``docs`` are token lists; returns ``{label: [(term, score), ...]}`` best first.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    labels = np.asarray(list(labels), dtype=object)
    keep = np.array([lab not in ignore and str(lab) not in ignore for lab in labels], dtype=bool)
    if not keep.any():
        return {}
    kept_docs = [d for d, k in zip(docs, keep) if k]
    try:
        cv = CountVectorizer(analyzer=identity, binary=True, min_df=min_df)
        X = cv.fit_transform(kept_docs)
    except ValueError:
        cv = CountVectorizer(analyzer=identity, binary=True, min_df=1)
        try:
            X = cv.fit_transform(kept_docs)
        except ValueError:
            return {}
    vocab = cv.get_feature_names_out()
    classes = sorted(set(labels[keep].tolist()), key=str)
    kept_labels = labels[keep]
    counts = np.vstack([np.asarray(X[kept_labels == c].sum(0)).ravel() for c in classes]).astype(float)
    tf = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    scores = tf * np.log(1 + (counts.sum() / len(classes)) / np.maximum(counts.sum(0), 1))
    out = {}
    for r, c in enumerate(classes):
        order = np.argsort(-scores[r], kind="stable")[:top]
        out[c] = [(str(vocab[j]), float(scores[r, j])) for j in order if scores[r, j] > 0]
    return out


def hash_text(text: str) -> int:
    """A stable 64-bit hash of a text (the same in every process, unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=8).digest(), "big")

