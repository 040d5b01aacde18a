"""Theme discovery: complaints grouped into themes a manager can read, at any batch size.

>>> tc = ThemeClusterer(k="auto").fit(texts, gaps=df["gap"])
>>> tc.themes_[0]["name"]
'送餐超时 / 餐盒漏了 / 退款'
>>> tc.predict(["骑手送餐超时还洒了"])

The steps are parameters, as in BERTopic: ``tokenizer`` (text → content words),
``vectorizer`` (words → matrix), ``method`` (the clusterer: ``"mixture"`` (default), ``"nmf"``,
``"kmeans"`` or any scikit-learn clusterer with ``fit`` and ``predict``) and ``namer`` (names
from words and adjacent-word phrases, :class:`~feedback_mining.models.theme_names.PhraseNamer`).

mixture: a mixture of multinomials over word presence, one theme per complaint (the model
that suits short texts, as in GSDMM); nmf: NMF-KL topics on TF-IDF; kmeans: LSA + KMeans.
The vocabulary follows the batch: words must occur in 2 (small batches) to 5 (≥ 5,000
complaints) complaints, and a batch under 2,000 also gets the character pairs inside long
words as features. ``k="auto"`` picks k by held-out likelihood (one-standard-error rule),
between 2 and √n (at most ``k_range[1]``). A complaint with too few characters (< ``min_chars``)
is noise (theme -1); one with at least ``short_chars`` characters whose words are all too rare
for the vocabulary joins the theme it shares most characters with: it is never noise just
because its words are rare.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import NMF, TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize
from sklearn.utils.validation import check_is_fitted

from ..data.columns import NOISE_NAME
from ..text.normalize import as_normalized
from ..text.privacy import mask_pii
from .ctfidf import hash_text
from .mixture import MultinomialMixture, heldout_k
from .theme_names import PhraseNamer, representatives
from .theme_text import (
    SUBWORD_BELOW,
    ThemeDocuments,
    ThemeTokenizer,
    default_theme_vectorizer,
    letters_only,
    meaningful_chars,
    with_subwords,
)
from .safe_pickle import load_estimator

__all__ = ["ThemeClusterer", "ThemeTokenizer", "NOISE_THEME", "NOISE_NAME", "default_theme_vectorizer"]
METHODS = ("mixture", "nmf", "kmeans")

NOISE_THEME = -1
_NAME_SEPARATOR = " / "
_CHUNK = 20_000
#: Names are found on at most this many distinct complaints (a hash-ordered sample): as good, and faster.
_NAME_SAMPLE = 10_000


def _nmf(k: int, shape: tuple[int, int], random_state, max_iter: int) -> NMF:
    # NNDSVD needs k ≤ min(documents, features); a tiny batch starts from random factors instead.
    init = "nndsvda" if k <= min(shape) else "random"
    return NMF(k, init=init, beta_loss="kullback-leibler", solver="mu", max_iter=max_iter, random_state=random_state)


class ThemeClusterer(BaseEstimator):
    """Cluster complaints into themes with readable names (see the module for the steps).

    Parameters
    ----------
    k : int ≥ 2 or "auto"
        Number of themes asked for; "auto" chooses it by held-out likelihood (``k_scores_``).
        Fewer may come out on a small batch: ``n_themes_`` and ``note_`` say so.
    method : "mixture", "nmf", "kmeans" or a scikit-learn clusterer (``n_clusters`` is set to k)
    tokenizer : callable text → content words (default :class:`ThemeTokenizer`)
    vectorizer : a CountVectorizer/TfidfVectorizer-like step over token lists
        (default :func:`default_theme_vectorizer` for the method and the batch size)
    namer : an object with ``fit(words, phrases, labels)`` that fills ``names_`` and ``terms_``
        (default :class:`PhraseNamer` with ``name_terms`` phrases)
    k_range : (low, high) bounds for "auto"; the high bound is also capped at √(complaints).
    n_components : LSA dimensions for kmeans.
    min_chars : texts with fewer letters/digits are noise.
    short_chars : texts with at least this many letters/digits are never noise for rare words.
    sample_size : fit on at most this many complaints (then assign the rest); keeps memory flat.
    n_representatives : representative complaints per theme (those that show the name).
    name_terms : key phrases per name (for the default namer).
    """

    def __init__(self, k: int | str = "auto", method="mixture", tokenizer=None, vectorizer=None, namer=None,
                 k_range: tuple[int, int] = (2, 15), n_components: int = 100, min_chars: int = 4, short_chars: int = 10,
                 sample_size: int = 30_000, n_representatives: int = 3, name_terms: int = 3,
                 random_state: int | None = 0, n_jobs: int | None = None):
        self.k = k
        self.method = method
        self.tokenizer = tokenizer
        self.vectorizer = vectorizer
        self.namer = namer
        self.k_range = k_range
        self.n_components = n_components
        self.min_chars = min_chars
        self.short_chars = short_chars
        self.sample_size = sample_size
        self.n_representatives = n_representatives
        self.name_terms = name_terms
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- helpers
    def _validate(self) -> None:
        if isinstance(self.method, str) and self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)} or a clusterer, not {self.method!r}")
        if not isinstance(self.method, str) and not (hasattr(self.method, "fit") and hasattr(self.method, "predict")):
            raise ValueError("a custom method must be a clusterer with fit and predict")
        if self.k != "auto" and (isinstance(self.k, bool) or not isinstance(self.k, (int, np.integer)) or self.k < 2):
            raise ValueError("k must be 'auto' or an integer ≥ 2")
        lo, hi = self.k_range
        if not 2 <= lo <= hi:
            raise ValueError("k_range must be (low, high) with 2 ≤ low ≤ high")
        if not 1 <= self.min_chars <= self.short_chars:
            raise ValueError("need 1 ≤ min_chars ≤ short_chars")

    @property
    def _kind(self) -> str:
        return self.method if isinstance(self.method, str) else "custom"

    def _features(self, words: list[list[str]]) -> list[list[str]]:
        return [with_subwords(w) for w in words] if self.subwords_ else words

    def _k_bound(self, m: int) -> int:
        """The most themes "auto" may choose for ``m`` complaints: √m, within ``k_range``."""
        return int(max(2, min(self.k_range[1], round(np.sqrt(m)))))

    # -- fit
    def fit_predict(self, X, y=None, gaps=None) -> np.ndarray:
        """Fit, then the theme of every complaint (``labels_``)."""
        return self.fit(X, gaps=gaps).labels_

    def fit(self, X, y=None, gaps=None) -> "ThemeClusterer":
        """Fit on complaint texts; ``gaps`` (optional, aligned: the classifier's gap column) adds each theme's gap mix."""
        self._validate()
        texts = as_normalized(X)
        n = len(texts)
        if n == 0:  # scikit-learn's contract; the pipeline says "no complaints" before it gets here
            raise ValueError("ThemeClusterer.fit needs at least one text")
        docs = ThemeDocuments(texts, self.tokenizer, self.n_jobs)
        words = docs.words
        chars = np.array([meaningful_chars(t, self.short_chars) for t in texts], dtype=int)
        candidate = chars >= self.min_chars
        pool = np.flatnonzero(candidate & np.array([len(w) > 0 for w in words], dtype=bool))
        # Fit on the texts in hash order (and sample by it): re-ordering the input changes nothing.
        keys = np.array([hash_text(texts[i]) for i in pool], dtype=np.uint64)
        fit_idx = pool[np.argsort(keys, kind="stable")[: self.sample_size]]
        self.subwords_ = len(fit_idx) < SUBWORD_BELOW
        feats = self._features(words)
        self.vectorizer_ = clone(self.vectorizer) if self.vectorizer is not None else default_theme_vectorizer(self._kind, len(fit_idx))
        Xfit = self._fit_vectorizer([feats[i] for i in fit_idx])
        rows = np.flatnonzero(np.diff(Xfit.indptr) > 0) if Xfit is not None else np.array([], dtype=int)
        fit_keys = np.array([hash_text(texts[i]) for i in fit_idx[rows]], dtype=np.uint64)
        self._fit_model(Xfit[rows] if len(rows) else None, np.unique(fit_keys, return_index=True)[1])
        labels = np.full(n, NOISE_THEME, dtype=int)
        space = sp.csr_matrix((n, 1))
        if self.model_ is not None:
            cand = np.flatnonzero(candidate)
            labels[cand], space = self._assign_all([feats[i] for i in cand])
            space = _scatter_rows(space, cand, n)
            self._fit_fallback(texts, labels, fit_idx)
            lost = cand[(labels[cand] == NOISE_THEME) & (chars[cand] >= self.short_chars)]
            labels[lost] = self._fallback([texts[i] for i in lost])
        self.labels_ = labels
        self._describe(texts, docs, labels, space, gaps)
        return self

    def _fit_vectorizer(self, docs: list[list[str]]):
        if not docs:
            return None
        try:
            return sp.csr_matrix(self.vectorizer_.fit_transform(docs))
        except ValueError:  # cut-offs too strict for a tiny input: keep every word
            try:
                self.vectorizer_.set_params(min_df=1, max_df=1.0)
                return sp.csr_matrix(self.vectorizer_.fit_transform(docs))
            except ValueError:
                return None

    def _fit_model(self, X, distinct=None) -> None:
        """Choose k (on the ``distinct`` rows: a complaint sent twice must not look like held-out
        evidence for a theme of its own) and fit the clusterer on the rows that have features."""
        self.model_ = self.svd_ = None
        self.k_scores_, self.k_criterion_ = {}, ""
        m = 0 if X is None else X.shape[0]
        if m == 0:
            self.k_ = 0
            return
        if self.k == "auto":
            unique = X if distinct is None else X[distinct]
            m_unique = unique.shape[0]
            lo, hi = min(self.k_range[0], self._k_bound(m_unique)), self._k_bound(m_unique)
            k, self.k_scores_ = heldout_k((unique > 0).astype(np.float64), range(lo, hi + 1), random_state=self.random_state,
                                          max_docs=self.sample_size)
            self.k_criterion_ = (f"held-out likelihood of a word-presence mixture, one-standard-error rule "
                                 f"(k from {lo} to {hi} = √{m_unique} distinct complaints, within k_range)")
        else:
            k = int(self.k)
        k = max(1, min(k, m))
        self.k_ = k
        kind = self._kind
        if kind == "mixture":
            self.model_ = MultinomialMixture(k, random_state=self.random_state).fit(X)
        elif kind == "nmf":
            self.model_ = _nmf(k, X.shape, self.random_state, 300).fit(X)
        elif kind == "kmeans":
            comps = min(self.n_components, X.shape[1] - 1, m - 1)
            if comps >= 2:
                self.svd_ = TruncatedSVD(comps, random_state=self.random_state).fit(X)
            Z = self._embed(X)
            algo = KMeans if m <= 20_000 else MiniBatchKMeans
            kw = {"n_init": 4} if algo is KMeans else {"n_init": 4, "batch_size": 4096}
            self.model_ = algo(k, random_state=self.random_state, **kw).fit(Z)
        else:
            model = clone(self.method)
            if "n_clusters" in model.get_params():
                model.set_params(n_clusters=k)
            self.model_ = model.fit(l2_normalize(X))

    def _embed(self, X):
        """Documents in the model's space (a row of zeros: no known feature)."""
        kind = self._kind
        if kind == "mixture":
            Z = self.model_.predict_proba(X)
            Z[np.diff(sp.csr_matrix(X).indptr) == 0] = 0.0
            return Z
        if kind == "nmf":
            return self.model_.transform(X)
        if kind == "kmeans":
            return l2_normalize(self.svd_.transform(X)) if self.svd_ is not None else l2_normalize(sp.csr_matrix(X)).toarray()
        return l2_normalize(X)

    def _assign(self, X) -> tuple[np.ndarray, object]:
        """Theme ids (noise for rows without a known feature) and the rows in a space for centrality."""
        X = sp.csr_matrix(X)
        empty = np.diff(X.indptr) == 0
        Z = self._embed(X)
        if self._kind in ("mixture", "nmf"):
            labels = np.asarray(Z).argmax(1)
            labels[np.asarray(Z).max(1) <= 1e-12] = NOISE_THEME
        else:
            labels = np.asarray(self.model_.predict(Z))
        labels[empty] = NOISE_THEME
        space = l2_normalize(X) if self._kind == "mixture" else sp.csr_matrix(l2_normalize(np.asarray(Z)))
        return labels.astype(int), space

    def _assign_all(self, feats: list[list[str]]) -> tuple[np.ndarray, sp.csr_matrix]:
        """Every complaint assigned in chunks (memory stays flat)."""
        labels, spaces = [], []
        for start in range(0, len(feats), _CHUNK):
            lab, space = self._assign(self.vectorizer_.transform(feats[start:start + _CHUNK]))
            labels.append(lab)
            spaces.append(sp.csr_matrix(space))
        if not labels:
            return np.array([], dtype=int), sp.csr_matrix((0, 1))
        return np.concatenate(labels), sp.vstack(spaces).tocsr()

    # -- complaints whose words are all rare: the theme they share most characters with
    def _fit_fallback(self, texts, labels, fit_idx) -> None:
        """Character (1–2-gram) profiles of the themes, from the labelled complaints of the fitting sample."""
        done = fit_idx[labels[fit_idx] != NOISE_THEME][:5000]
        self.char_vectorizer_, self.char_centroids_, self.char_ids_ = None, None, np.array([], dtype=int)
        if not len(done):
            return
        cv = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, max_features=20_000,
                             preprocessor=letters_only)
        try:
            C = cv.fit_transform([texts[i] for i in done])
        except ValueError:
            return
        ids = np.unique(labels[done])
        centroids = np.vstack([np.asarray(C[labels[done] == t].mean(0)).ravel() for t in ids])
        self.char_vectorizer_, self.char_centroids_, self.char_ids_ = cv, l2_normalize(centroids), ids

    def _fallback(self, texts: list[str]) -> np.ndarray:
        if not texts or self.char_vectorizer_ is None:
            return np.full(len(texts), NOISE_THEME, dtype=int)
        sims = np.asarray(self.char_vectorizer_.transform(texts) @ self.char_centroids_.T)
        out = self.char_ids_[sims.argmax(1)]
        out[sims.max(1) <= 0] = NOISE_THEME
        return out.astype(int)

    # -- names, representatives, gap mix
    def _describe(self, texts, docs: ThemeDocuments, labels, space, gaps) -> None:
        n = len(texts)
        done = np.flatnonzero(labels != NOISE_THEME)
        keys = np.array([hash_text(texts[i]) for i in done], dtype=np.uint64)
        # Names count distinct complaints: a text sent three times is still one complaint's wording.
        _, first = np.unique(keys, return_index=True)
        sample = np.sort(done[first][np.argsort(keys[first], kind="stable")[: min(self.sample_size, _NAME_SAMPLE)]])
        namer = clone(self.namer) if self.namer is not None else PhraseNamer(max_terms=self.name_terms)
        if len(sample):
            namer.fit([docs.words[i] for i in sample], docs.phrases(sample), labels[sample])
        self.namer_ = namer
        gaps = None if gaps is None else np.asarray(["" if g is None or g != g else str(g) for g in gaps], dtype=object)
        clean = docs.cleaned
        themes = []
        for t in np.unique(labels[done]):
            members = np.flatnonzero(labels == t)
            record = self._theme_record(int(t), members, n, gaps)
            phrases_t = list(getattr(namer, "names_", {}).get(t, []))
            record["name"] = _NAME_SEPARATOR.join(phrases_t) or f"主题 {t}"
            record["name_phrases"] = phrases_t
            record["terms"] = list(getattr(namer, "terms_", {}).get(t, []))[:10]
            block = space[members]
            centre = np.asarray(block.mean(0)).ravel()
            centrality = np.asarray(block @ centre).ravel()
            reps = representatives(clean, members, phrases_t, centrality, self.n_representatives, gaps, record["dominant_gap"])
            record["representatives"] = [mask_pii(texts[i])[:200] for i in reps]
            record["representative_index"] = [int(i) for i in reps]
            themes.append(record)
        noise = np.flatnonzero(labels == NOISE_THEME)
        if len(noise):
            record = self._theme_record(NOISE_THEME, noise, n, gaps)
            reps = noise[: self.n_representatives]
            record.update(name=NOISE_NAME, name_phrases=[], terms=[], representatives=[mask_pii(texts[i])[:200] for i in reps],
                          representative_index=[int(i) for i in reps])
            themes.append(record)
        themes.sort(key=lambda th: (th["id"] == NOISE_THEME, -th["size"]))
        self.themes_ = themes
        self.n_themes_ = sum(th["id"] != NOISE_THEME for th in themes)
        self.note_ = self._shortfall_note()
        self.renames_, self.merges_ = {}, {}

    def _shortfall_note(self) -> str:
        """A sentence when fewer themes came out than asked for (empty otherwise)."""
        if self.k == "auto" or self.n_themes_ >= int(self.k):
            return ""
        return (f"要求 {int(self.k)} 个主题，只找到 {self.n_themes_} 个：这批投诉不足以分出更多主题 "
                f"(asked for {int(self.k)} themes, found {self.n_themes_})")

    @staticmethod
    def _theme_record(tid: int, members: np.ndarray, n: int, gaps) -> dict:
        record = {"id": tid, "size": int(len(members)), "share": float(len(members) / max(n, 1)), "gap_mix": {}, "dominant_gap": ""}
        if gaps is not None and len(members):
            mix = pd.Series(gaps[members]).replace("", np.nan).dropna().value_counts(normalize=True)
            record["gap_mix"] = {str(k): float(v) for k, v in mix.items()}
            record["dominant_gap"] = str(mix.index[0]) if len(mix) else ""
        return record

    # -- using a fitted model
    def predict(self, X) -> np.ndarray:
        """Theme ids for new complaints (merges applied; noise = -1)."""
        check_is_fitted(self, "k_")
        texts = as_normalized(X)
        words = ThemeDocuments(texts, self.tokenizer, self.n_jobs).words
        chars = np.array([meaningful_chars(t, self.short_chars) for t in texts], dtype=int)
        labels = np.full(len(texts), NOISE_THEME, dtype=int)
        cand = np.flatnonzero(chars >= self.min_chars)
        if self.model_ is None or not len(cand):
            return labels
        feats = self._features(words)
        labels[cand], _ = self._assign_all([feats[i] for i in cand])
        lost = cand[(labels[cand] == NOISE_THEME) & (chars[cand] >= self.short_chars)]
        labels[lost] = self._fallback([texts[i] for i in lost])
        return self._apply_merges(labels)

    def transform(self, X) -> np.ndarray:
        """Documents in the model's space: theme probabilities (mixture), topic weights (nmf), LSA (kmeans)."""
        check_is_fitted(self, "k_")
        if self.model_ is None:
            raise ValueError("no themes were found, so there is no theme space")
        words = ThemeDocuments(as_normalized(X), self.tokenizer, self.n_jobs).words
        return self._embed(self.vectorizer_.transform(self._features(words)))

    def score_samples(self, X) -> np.ndarray:
        """How well the themes explain each complaint: mean log-probability per word under its best theme.

        Words the model has never seen count with the smallest probability of that theme, so a
        complaint about something new scores low (used to find new themes). mixture only.
        """
        check_is_fitted(self, "k_")
        if self._kind != "mixture" or self.model_ is None:
            raise ValueError("score_samples needs a fitted method='mixture' model")
        feats = self._features(ThemeDocuments(as_normalized(X), self.tokenizer, self.n_jobs).words)
        X_ = sp.csr_matrix(self.vectorizer_.transform(feats), dtype=np.float64)
        known = np.asarray(X_.sum(1)).ravel()
        total = np.array([len(set(f)) for f in feats], dtype=float)
        joint = np.asarray(X_ @ self.model_.log_word_prob_.T)  # documents × themes
        floor = self.model_.log_word_prob_.min(1)
        joint = joint + np.outer(np.maximum(total - known, 0), floor)
        best = joint.max(1) if joint.shape[1] else np.zeros(len(feats))
        return np.where(total > 0, best / np.maximum(total, 1), np.nan)

    def _apply_merges(self, labels: np.ndarray) -> np.ndarray:
        for src, dst in self.merges_.items():
            labels[labels == src] = dst
        return labels

    def theme_names(self) -> dict[int, str]:
        return {th["id"]: th["name"] for th in self.themes_}

    def rename(self, theme_id: int, name: str) -> "ThemeClusterer":
        """Give a theme an analyst's name (kept through save/load and predict)."""
        th = self._theme(theme_id)
        th["name"] = str(name)
        self.renames_[int(theme_id)] = str(name)
        return self

    def merge(self, theme_a: int, theme_b: int, name: str | None = None) -> "ThemeClusterer":
        """Merge theme ``theme_b`` into ``theme_a``; new complaints of b are predicted as a."""
        a, b = self._theme(theme_a), self._theme(theme_b)
        if a is b:
            raise ValueError("cannot merge a theme with itself")
        total = a["size"] + b["size"]
        if a.get("gap_mix") or b.get("gap_mix"):
            mix = {g: (a["gap_mix"].get(g, 0) * a["size"] + b["gap_mix"].get(g, 0) * b["size"]) / total
                   for g in set(a["gap_mix"]) | set(b["gap_mix"])}
            a["gap_mix"] = dict(sorted(mix.items(), key=lambda kv: -kv[1]))
            a["dominant_gap"] = next(iter(a["gap_mix"]), "")
        a["size"], a["share"] = total, a["share"] + b["share"]
        merged_terms = dict(a["terms"])
        for w, s in b["terms"]:
            merged_terms[w] = merged_terms.get(w, 0) + s
        a["terms"] = sorted(merged_terms.items(), key=lambda kv: -kv[1])[:10]
        a["representatives"] = (a["representatives"] + b["representatives"])[: self.n_representatives]
        a["representative_index"] = (a["representative_index"] + b["representative_index"])[: self.n_representatives]
        if name:
            a["name"] = name
            self.renames_[a["id"]] = name
        self.themes_.remove(b)
        self.n_themes_ = sum(th["id"] != NOISE_THEME for th in self.themes_)
        for src, dst in list(self.merges_.items()):
            if dst == b["id"]:
                self.merges_[src] = a["id"]
        self.merges_[b["id"]] = a["id"]
        if hasattr(self, "labels_"):
            self.labels_[self.labels_ == b["id"]] = a["id"]
        return self

    def _theme(self, theme_id: int) -> dict:
        check_is_fitted(self, "k_")
        for th in self.themes_:
            if th["id"] == int(theme_id):
                return th
        raise KeyError(f"no theme {theme_id}")

    def summary(self) -> pd.DataFrame:
        """One row per theme: id, name, size, share, top terms, dominant gap, gap mix, representatives, note.

        ``note`` is the same on every row: empty, or that fewer themes came out than asked for.
        """
        rows = []
        for th in self.themes_:
            rows.append({"theme": th["id"], "theme_name": th["name"], "size": th["size"], "share": round(th["share"], 4),
                         "top_terms": " ".join(w for w, _ in th["terms"][:8]),
                         "dominant_gap": th["dominant_gap"],
                         "gap_mix": json.dumps({k: round(v, 3) for k, v in th["gap_mix"].items()}, ensure_ascii=False),
                         "representatives": "\n".join(th["representatives"]),
                         "note": self.note_})
        columns = ["theme", "theme_name", "size", "share", "top_terms", "dominant_gap", "gap_mix", "representatives", "note"]
        return pd.DataFrame(rows, columns=columns)

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path, compress=3)
        return path

    @staticmethod
    def load(path: str | os.PathLike) -> "ThemeClusterer":
        """Load a saved theme model (read with the allow-list of :mod:`.safe_pickle`: no code runs)."""
        return load_estimator(path, ThemeClusterer)


def _scatter_rows(block: sp.csr_matrix, rows: np.ndarray, n: int) -> sp.csr_matrix:
    """``block`` (one row per entry of ``rows``) as an n-row matrix, zero elsewhere."""
    block = sp.csr_matrix(block)
    placement = sp.csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(n, len(rows)))
    return (placement @ block).tocsr()
