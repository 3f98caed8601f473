"""Numerical helpers for :mod:`synthesis.coding`: lexical features, folds, calibration, decoding.

Private to the coders. Everything is deterministic for a given seed and works on numpy/scipy
arrays so that the hot paths are a few sparse matrix products, not Python loops over tokens.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

import numpy as np
from scipy import sparse

# --------------------------------------------------------------------------------------------
# Lexical features for the supervised coder
# --------------------------------------------------------------------------------------------


def preprocess(text: str) -> str:
    """Matching form for n-gram features: NFKC and casefolded (keeps punctuation: "//no" counts)."""
    return unicodedata.normalize("NFKC", text).casefold()


WORD_PATTERN = r"(?u)\b\w+\b"


class LexicalFeatures:
    """Word n-grams + character n-grams (inside word boundaries), tf-idf weighted, rows L2-normed.

    Word n-grams carry meaning; character n-grams survive misspellings, inflection and scripts
    written without spaces (Chinese). Built on scikit-learn's vectorizers, but its state is plain
    arrays (vocabularies and idf) so that a model can be saved as JSON + .npz and rebuilt exactly.
    """

    def __init__(
        self,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        min_df: tuple[int, int] = (1, 2),
        max_features: int | None = None,
    ) -> None:
        self.word_ngrams = tuple(word_ngrams)
        self.char_ngrams = tuple(char_ngrams)
        self.min_df = tuple(min_df) if isinstance(min_df, list | tuple) else (min_df, min_df)
        self.max_features = max_features

    def _vectorizers(self, vocabularies=None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        common = {
            "preprocessor": preprocess,
            "lowercase": False,
            "sublinear_tf": True,
            "dtype": np.float64,
        }
        out = []
        specs = []
        if self.word_ngrams[1] >= 1:
            specs.append(
                {
                    "analyzer": "word",
                    "ngram_range": self.word_ngrams,
                    "token_pattern": WORD_PATTERN,
                    "min_df": self.min_df[0],
                }
            )
        if self.char_ngrams[1] >= 1:
            specs.append(
                {"analyzer": "char_wb", "ngram_range": self.char_ngrams, "min_df": self.min_df[1]}
            )
        for i, spec in enumerate(specs):
            kwargs = dict(common, **spec)
            if vocabularies is None:
                kwargs.update(max_features=self.max_features)
            else:
                kwargs["vocabulary"] = {term: j for j, term in enumerate(vocabularies[i])}
            out.append(TfidfVectorizer(**kwargs))
        return out

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        self.vectorizers_ = self._vectorizers()
        blocks = []
        for i, vectorizer in enumerate(self.vectorizers_):
            try:
                blocks.append(vectorizer.fit_transform(texts))
            except ValueError:  # too few texts for min_df (or no words at all): keep everything
                vectorizer.set_params(min_df=1)
                try:
                    blocks.append(vectorizer.fit_transform(texts))
                except ValueError:
                    vectorizer.set_params(vocabulary={"\u0000": 0})
                    blocks.append(vectorizer.fit_transform(texts))
            self.vectorizers_[i] = vectorizer
        self.vocabularies_ = [
            [t for t, _ in sorted(v.vocabulary_.items(), key=lambda kv: kv[1])]
            for v in self.vectorizers_
        ]
        return _l2(sparse.hstack(blocks, format="csr"))

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        blocks = [v.transform(texts) for v in self.vectorizers_]
        return _l2(sparse.hstack(blocks, format="csr"))

    @property
    def feature_names_(self) -> list[str]:
        names = []
        for vocab, vec in zip(self.vocabularies_, self.vectorizers_, strict=True):
            prefix = "w:" if vec.analyzer == "word" else "c:"
            names.extend(prefix + t for t in vocab)
        return names

    def is_word_feature(self) -> np.ndarray:
        flags = []
        for vocab, vec in zip(self.vocabularies_, self.vectorizers_, strict=True):
            flags.append(np.full(len(vocab), vec.analyzer == "word"))
        return np.concatenate(flags) if flags else np.zeros(0, dtype=bool)

    # persistence ------------------------------------------------------------------------
    def get_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        meta = {
            "word_ngrams": list(self.word_ngrams),
            "char_ngrams": list(self.char_ngrams),
            "min_df": list(self.min_df),
            "max_features": self.max_features,
            "vocabularies": self.vocabularies_,
        }
        arrays = {f"idf_{i}": v.idf_ for i, v in enumerate(self.vectorizers_)}
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict, arrays: dict[str, np.ndarray]) -> LexicalFeatures:
        self = cls(
            word_ngrams=tuple(meta["word_ngrams"]),
            char_ngrams=tuple(meta["char_ngrams"]),
            min_df=meta["min_df"],
            max_features=meta["max_features"],
        )
        self.vocabularies_ = [list(v) for v in meta["vocabularies"]]
        self.vectorizers_ = self._vectorizers(self.vocabularies_)
        for i, vec in enumerate(self.vectorizers_):
            vec.idf_ = np.asarray(arrays[f"idf_{i}"], dtype=np.float64)
        return self


def _l2(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    matrix = sparse.csr_matrix(matrix, dtype=np.float64)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def append_dense(matrix: sparse.csr_matrix, dense: np.ndarray | None, weight: float = 1.0):
    """Sparse lexical features side by side with (row-normalised) embedding columns."""
    if dense is None:
        return matrix
    dense = np.asarray(dense, dtype=np.float64)
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return sparse.hstack([matrix, sparse.csr_matrix(weight * dense / norms)], format="csr")


# --------------------------------------------------------------------------------------------
# Folds
# --------------------------------------------------------------------------------------------


def stratified_folds(Y: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Fold number per row by iterative stratification (Sechidis et al. 2011).

    Rare codes are spread first so that every fold sees some of them; ties are broken by a
    seeded permutation, so the split is reproducible.
    """
    Y = np.asarray(Y, dtype=bool)
    n, n_codes = Y.shape
    k = max(2, min(k, n))
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    fold_order = rng.permutation(k)  # tie-break preference among folds
    fold_rank = np.empty(k, dtype=np.int64)
    fold_rank[fold_order] = np.arange(k)
    desired = np.full(k, n / k)
    desired_code = np.outer(Y.sum(axis=0), np.ones(k)) / k
    fold = np.full(n, -1, dtype=np.int64)
    remaining = np.ones(n, dtype=bool)
    Yo = Y[order]
    while remaining.any():
        rem_rows = order[remaining[order]]
        counts = Y[rem_rows].sum(axis=0)
        if counts.sum() == 0:
            for row in rem_rows:
                f = _best_fold(desired, np.zeros(k), fold_rank)
                fold[row] = f
                desired[f] -= 1
            break
        code = int(np.argmin(np.where(counts > 0, counts, np.iinfo(np.int64).max)))
        for pos in np.flatnonzero(remaining[order] & Yo[:, code]):
            row = order[pos]
            f = _best_fold(desired_code[code], desired, fold_rank)
            fold[row] = f
            desired[f] -= 1
            desired_code[Y[row], f] -= 1
            remaining[row] = False
    return fold


def _best_fold(primary: np.ndarray, secondary: np.ndarray, rank: np.ndarray) -> int:
    keys = np.lexsort((rank, -secondary, -primary))
    return int(keys[0])


# --------------------------------------------------------------------------------------------
# Calibration and decoding
# --------------------------------------------------------------------------------------------


def platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt's sigmoid p = 1 / (1 + exp(a*s + b)) with his smoothed targets (Lin et al. 2007).

    The smoothed targets keep the fit sane with only a handful of positives.
    """
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y, dtype=bool)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    hi = (n_pos + 1.0) / (n_pos + 2.0)
    lo = 1.0 / (n_neg + 2.0)
    t = np.where(y, hi, lo)
    a, b = 0.0, math.log((n_neg + 1.0) / (n_pos + 1.0))
    min_step, sigma = 1e-10, 1e-12
    fval = _platt_loss(scores, t, a, b)
    for _ in range(100):
        fapb = scores * a + b
        p = np.where(
            fapb >= 0,
            np.exp(-np.clip(fapb, 0, None)) / (1 + np.exp(-np.clip(fapb, 0, None))),
            1 / (1 + np.exp(np.clip(fapb, None, 0))),
        )
        d2 = p * (1 - p)
        h11 = sigma + float(np.dot(scores * scores, d2))
        h22 = sigma + float(d2.sum())
        h21 = float(np.dot(scores, d2))
        d1 = t - p
        g1 = float(np.dot(scores, d1))
        g2 = float(d1.sum())
        if abs(g1) < 1e-5 and abs(g2) < 1e-5:
            break
        det = h11 * h22 - h21 * h21
        da = -(h22 * g1 - h21 * g2) / det
        db = -(-h21 * g1 + h11 * g2) / det
        gd = g1 * da + g2 * db
        step = 1.0
        while step >= min_step:
            na, nb = a + step * da, b + step * db
            nf = _platt_loss(scores, t, na, nb)
            if nf < fval + 1e-4 * step * gd:
                a, b, fval = na, nb, nf
                break
            step /= 2.0
        else:
            break
    return float(a), float(b)


def _platt_loss(s: np.ndarray, t: np.ndarray, a: float, b: float) -> float:
    f = s * a + b
    return float(
        np.sum(np.where(f >= 0, t * f + np.log1p(np.exp(-f)), (t - 1) * f + np.log1p(np.exp(f))))
    )


def sigmoid_scores(scores: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """Calibrated probabilities from decision scores and per-column Platt parameters (2, L)."""
    z = scores * ab[0] + ab[1]
    return 0.5 * (1.0 - np.tanh(0.5 * z))  # == 1 / (1 + exp(z)), without overflow


def decode_ef1(P: np.ndarray, p_any: np.ndarray | None = None) -> np.ndarray:
    """Per row, the code set that maximises expected F1 under the calibrated probabilities.

    The best set is always the top-k codes for some k (Lewis 1995; Nan Ye et al. 2012); its
    expected F1 is approximated by 2 * sum(top-k p) / (k + sum(p)). The empty set wins only when
    the chance that the text has no code at all (1 - p_any) beats every k.
    """
    n, n_codes = P.shape
    out = np.zeros((n, n_codes), dtype=bool)
    if n == 0 or n_codes == 0:
        return out
    order = np.argsort(-P, axis=1, kind="stable")
    top = np.take_along_axis(P, order, axis=1)
    cum = np.cumsum(top, axis=1)
    k = np.arange(1, n_codes + 1)
    expected = 2.0 * cum / (k[None, :] + P.sum(axis=1, keepdims=True))
    best_k = expected.argmax(axis=1) + 1
    best = expected.max(axis=1)
    keep = np.ones(n, dtype=bool) if p_any is None else (1.0 - p_any) < best
    mask = (k[None, :] <= best_k[:, None]) & keep[:, None]
    np.put_along_axis(out, order, mask, axis=1)
    return out


def decode_thresholds(
    P: np.ndarray, thresholds: np.ndarray, p_any: np.ndarray | None = None
) -> np.ndarray:
    """Codes at or above their threshold; a text with none gets its top code when p_any >= .5."""
    out = thresholds[None, :] <= P
    if P.shape[1] == 0:
        return out
    none = ~out.any(axis=1)
    if p_any is not None:
        none &= p_any >= 0.5
    rows = np.flatnonzero(none)
    out[rows, P[rows].argmax(axis=1)] = True
    return out


def sample_f1(Y: np.ndarray, P: np.ndarray) -> float:
    Y = np.asarray(Y, dtype=bool)
    P = np.asarray(P, dtype=bool)
    inter = (Y & P).sum(axis=1)
    size = Y.sum(axis=1) + P.sum(axis=1)
    per_row = np.where(size == 0, 1.0, 2.0 * inter / np.maximum(size, 1))
    return float(per_row.mean()) if len(per_row) else 0.0


def tune_thresholds(
    P: np.ndarray, Y: np.ndarray, grid: np.ndarray | None = None, passes: int = 2
) -> np.ndarray:
    """Per-code thresholds by coordinate ascent on sample F1 (one column at a time, O(n) each)."""
    Y = np.asarray(Y, dtype=bool)
    n, n_codes = P.shape
    if grid is None:
        grid = np.round(np.linspace(0.05, 0.95, 19), 4)
    best_global = max(grid, key=lambda t: (sample_f1(Y, t <= P), -abs(t - 0.5)))
    thr = np.full(n_codes, best_global)
    pred = thr[None, :] <= P
    y_sum = Y.sum(axis=1).astype(np.float64)
    for _ in range(passes):
        for j in range(n_codes):
            others_inter = (Y & pred).sum(axis=1) - (Y[:, j] & pred[:, j])
            others_size = pred.sum(axis=1) - pred[:, j]
            best = (-1.0, 0.0, thr[j])
            for t in grid:
                col = P[:, j] >= t
                inter = others_inter + (col & Y[:, j])
                size = y_sum + others_size + col
                f = np.where(size == 0, 1.0, 2.0 * inter / np.maximum(size, 1)).mean()
                cand = (round(float(f), 10), -abs(float(t) - best_global), float(t))
                best = max(best, cand)
            thr[j] = best[2]
            pred[:, j] = P[:, j] >= thr[j]
    return thr


def otsu(values: np.ndarray, bins: int = 64) -> float:
    """Otsu's threshold: the cut that best separates a sample into two groups."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2 or values.min() == values.max():
        return float(values.mean()) if len(values) else 0.0
    hist, edges = np.histogram(values, bins=bins)
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centres)
    mean0 = m0 / np.maximum(w0, 1)
    mean1 = (m0[-1] - m0) / np.maximum(w1, 1)
    between = w0 * w1 * (mean0 - mean1) ** 2
    i = int(np.argmax(between[:-1])) if len(between) > 1 else 0
    return float(edges[i + 1])
