"""Candidate themes from uncoded text: clusters with labels, keywords and quotes as evidence.

Core (no extra dependency): TF-IDF over lemmas and lemma pairs (``text.terms``), plus shared
*concept* features taken from the built-in codebooks' multilingual keywords, so that a French and
an English answer about the same subject can meet; LSA (TruncatedSVD) and k-means with k chosen by
silhouette within a range, all seeded. Labels and keywords come from class-based TF-IDF (terms
frequent in a theme and rare elsewhere). Quotes are whole sentences (``text.passages``): exact
spans of the original text.

Common topic tools leave 30-50 % of texts as outliers. Here a text is left unassigned only when it
has no usable terms or its similarity to every theme is below ``similarity_floor``; members of
themes too small to keep move to the nearest kept theme.

Large inputs: the model is fitted on a seeded sample (``sample_size``) and every other text is
assigned to its nearest theme in batches, so a million short answers stay in memory and time.

Optional capabilities produce the same schema: an ``embedder`` (anything with
``encode(list[str]) -> array``, e.g. a sentence-transformers model from the ``embeddings`` extra)
replaces the lexical vectors, and a ``labeller`` (``label(keywords, quotes) -> str``, e.g. an LLM
client) writes the labels. ``Theme.source`` and ``DiscoveryResult.capability`` record which ran.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np
import scipy.sparse as sp

from synthesis._gc import pausing

from . import text as text_mod
from .text import Document

__all__ = ["DiscoveryResult", "Quote", "Theme", "ThemeDiscoverer", "discover_themes"]


@dataclass(frozen=True)
class Quote:
    id: str
    span: tuple[int, int]  # text[start:end] is the quote, exactly


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    keywords: tuple[str, ...]
    size: int
    members: tuple[str, ...]  # sorted document ids
    quotes: tuple[Quote, ...]
    source: str  # "lexical" | "embeddings", "+llm" when an LLM wrote the label


@dataclass(frozen=True)
class DiscoveryResult:
    themes: tuple[Theme, ...]
    unassigned: tuple[str, ...]
    unassigned_share: float
    capability: str


class ThemeDiscoverer:
    """Discover candidate themes in documents (or in given passages of them).

    n_themes: "auto" (silhouette over ``k_range``) or a number.
    min_size: themes with fewer member texts are dissolved into their nearest neighbours.
    similarity_floor: cosine similarity to the nearest theme below which a text stays unassigned.
    concepts: codebooks whose multilingual keywords become shared features ("builtin" = the five
        built-in codebooks, None = none, or a sequence of Codebook objects).
    concept_weight: weight of the concept block against the TF-IDF block (both unit length);
        "auto": 1.5 when no language has 90 % of the texts (themes then gather languages),
        else 0.5.
    sample_size: texts used to fit; the rest are assigned to the nearest theme.
    """

    def __init__(
        self,
        *,
        n_themes: int | str = "auto",
        seed: int = 0,
        min_size: int = 3,
        k_range: tuple[int, int] = (2, 30),
        similarity_floor: float = 0.05,
        n_components: int = 100,
        max_features: int = 20_000,
        concepts: str | Sequence | None = "builtin",
        concept_weight: float | str = "auto",
        n_keywords: int = 10,
        n_quotes: int = 5,
        sample_size: int = 20_000,
        selection_size: int = 3_000,
        batch_size: int = 20_000,
        n_init: int = 4,
        embedder=None,
        labeller=None,
    ) -> None:
        self.n_themes = n_themes
        self.seed = seed
        self.min_size = min_size
        self.k_range = k_range
        self.similarity_floor = similarity_floor
        self.n_components = n_components
        self.max_features = max_features
        self.concepts = concepts
        self.concept_weight = concept_weight
        self.n_keywords = n_keywords
        self.n_quotes = n_quotes
        self.sample_size = sample_size
        self.selection_size = selection_size
        self.batch_size = batch_size
        self.n_init = n_init
        self.embedder = embedder
        self.labeller = labeller

    # ------------------------------------------------------------------ public
    @pausing
    def fit(
        self,
        documents: Sequence[Document],
        passages: Iterable[tuple[str, tuple[int, int]]] | None = None,
    ) -> ThemeDiscoverer:
        docs = sorted(documents, key=lambda d: str(d.id))
        ids = [str(d.id) for d in docs]
        if len(set(ids)) != len(ids):
            raise ValueError("document ids must be unique")
        by_id = {d_id: d for d_id, d in zip(ids, docs, strict=True)}
        languages = _languages(docs)
        lang_of = dict(zip(ids, languages, strict=True))

        # Units: whole texts, or the given passages (sorted: the order never depends on input).
        if passages is None:
            units = [(d_id, 0, len(by_id[d_id].text)) for d_id in ids]
        else:
            units = []
            for d_id, (start, end) in passages:
                d_id = str(d_id)
                if d_id not in by_id:
                    raise ValueError(f"passage refers to unknown document id {d_id!r}")
                if not 0 <= start < end <= len(by_id[d_id].text):
                    raise ValueError(f"passage span {(start, end)} is outside document {d_id!r}")
                units.append((d_id, int(start), int(end)))
            units = sorted(set(units))
        unit_text = [by_id[u].text[s:e] for u, s, e in units]
        unit_lang = [lang_of[u] for u, _, _ in units]
        n_units = len(units)

        capability = "embeddings" if self.embedder is not None else "lexical"
        self._concept_index = _concept_index(self.concepts)

        # Fit on a seeded sample; assign the rest afterwards.
        rng = np.random.default_rng(self.seed)
        if n_units > self.sample_size:
            fit_idx = np.sort(rng.choice(n_units, size=self.sample_size, replace=False))
        else:
            fit_idx = np.arange(n_units)
        index = self._concept_index
        self.concept_weight_ = self._concept_weight([unit_lang[i] for i in fit_idx.tolist()])
        fit_terms = [_features(unit_text[i], unit_lang[i], index) for i in fit_idx.tolist()]
        self._fit_space([t for t, _ in fit_terms], [c for _, c in fit_terms])
        x_fit, has_fit = self._embed(
            [unit_text[i] for i in fit_idx.tolist()],
            [t for t, _ in fit_terms],
            [c for _, c in fit_terms],
        )

        labels_fit = np.full(fit_idx.size, -1, dtype=np.int64)
        usable = np.flatnonzero(has_fit)
        centroids = np.zeros((0, x_fit.shape[1]))
        if usable.size >= max(2, self.min_size):
            centroids, labels_fit[usable] = self._cluster(x_fit[usable])
        self.centroids_ = centroids

        # Assign every unit (the sample again, so floors and dissolved themes apply alike).
        unit_theme = np.full(n_units, -1, dtype=np.int64)
        unit_sim = np.zeros(n_units)
        unit_theme[fit_idx], unit_sim[fit_idx] = self._nearest(x_fit, has_fit)
        rest = np.setdiff1d(np.arange(n_units), fit_idx, assume_unique=True)
        if rest.size:
            fast = _KnownTerms(
                [unit_text[i] for i in fit_idx.tolist()],
                [unit_lang[i] for i in fit_idx.tolist()],
                self.vocabulary_,
                index,
            )
        for lo in range(0, rest.size, self.batch_size):
            part = rest[lo : lo + self.batch_size].tolist()
            feats = [fast.features(unit_text[i], unit_lang[i]) for i in part]
            x, has = self._embed(
                [unit_text[i] for i in part], [t for t, _ in feats], [c for _, c in feats]
            )
            unit_theme[part], unit_sim[part] = self._nearest(x, has)

        # Keywords from class-based TF-IDF over the fitted sample's terms.
        k = centroids.shape[0]
        fit_theme = unit_theme[fit_idx]
        keywords = self._keywords([t for t, _ in fit_terms], fit_theme, k)

        # Members per theme (document ids); a document of several passages may sit in several.
        members: list[set[str]] = [set() for _ in range(k)]
        for (d_id, _, _), t in zip(units, unit_theme.tolist(), strict=True):
            if t >= 0:
                members[t].add(d_id)
        assigned_docs = set().union(*members) if members else set()
        unassigned = tuple(d_id for d_id in ids if d_id not in assigned_docs)

        themes_raw = []
        for t in range(k):
            if not members[t]:
                continue
            quotes = self._quotes(t, units, unit_theme, unit_sim, by_id, lang_of)
            themes_raw.append((t, tuple(sorted(members[t])), keywords[t], quotes))
        # Largest first; ties by first member id: stable, meaningful numbering.
        themes_raw.sort(key=lambda r: (-len(r[1]), r[1][0]))
        themes = []
        source = capability + ("+llm" if self.labeller is not None else "")
        for number, (_t, mem, kw, quotes) in enumerate(themes_raw, start=1):
            label = _short_label(kw)
            if self.labeller is not None:
                quote_texts = [by_id[q.id].text[q.span[0] : q.span[1]] for q in quotes]
                label = str(self.labeller.label(list(kw), quote_texts)).strip() or label
            themes.append(
                Theme(
                    id=f"T{number:02d}",
                    label=label,
                    keywords=kw,
                    size=len(mem),
                    members=mem,
                    quotes=quotes,
                    source=source,
                )
            )
        share = round(len(unassigned) / len(ids), 4) if ids else 0.0
        self.result_ = DiscoveryResult(
            themes=tuple(themes), unassigned=unassigned, unassigned_share=share, capability=source
        )
        number_of = {t: i for i, (t, *_rest) in enumerate(themes_raw)}
        self.unit_themes_ = {
            (u, s, e): (themes[number_of[t]].id if t in number_of else None)
            for (u, s, e), t in zip(units, unit_theme.tolist(), strict=True)
        }
        return self

    def theme_of(self) -> dict[str, str | None]:
        """Primary theme per document: the theme of most of its passages (ties: lower id)."""
        votes: dict[str, dict[str, int]] = {}
        for (d_id, _s, _e), theme in sorted(self.unit_themes_.items()):
            bucket = votes.setdefault(d_id, {})
            if theme is not None:
                bucket[theme] = bucket.get(theme, 0) + 1
        return {
            d_id: (min(v, key=lambda t: (-v[t], t)) if v else None) for d_id, v in votes.items()
        }

    # ------------------------------------------------------------------ steps
    def _fit_space(self, term_lists: list[list[str]], concept_lists: list[list[int]]) -> None:
        """Vocabulary, idf weights and the SVD projection of the lexical space."""
        n = len(term_lists)
        df: dict[str, int] = {}
        for terms in term_lists:
            for t in set(terms):
                df[t] = df.get(t, 0) + 1
        min_df = 2 if n >= 20 else 1
        max_df = max(min_df, int(0.5 * n)) if n >= 20 else n
        kept = [t for t, c in df.items() if min_df <= c <= max_df]
        if len(kept) > self.max_features:  # the most frequent terms; ties by the term itself
            kept = sorted(kept, key=lambda t: (-df[t], t))[: self.max_features]
        vocab = sorted(kept)
        self.vocabulary_ = {t: i for i, t in enumerate(vocab)}
        self.idf_ = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in vocab])
        n_concepts = self._concept_index.n_concepts
        cdf = np.zeros(n_concepts)
        for cs in concept_lists:
            for c in set(cs):
                cdf[c] += 1
        self.concept_idf_ = np.log((1 + n) / (1 + cdf)) + 1.0
        self.svd_ = None
        if self.embedder is None:
            x = self._lexical(term_lists, concept_lists)
            # Few texts carry few independent directions: about one per ten texts.
            n_comp = min(self.n_components, max(10, n // 10), x.shape[1] - 1, max(1, n - 1))
            if n_comp >= 2:
                from sklearn.decomposition import TruncatedSVD

                svd = TruncatedSVD(n_components=n_comp, random_state=self.seed, n_iter=4)
                svd.fit(x)
                self.svd_ = svd

    def _lexical(self, term_lists, concept_lists) -> sp.csr_matrix:
        n = len(term_lists)
        tf = _count_matrix(term_lists, self.vocabulary_, n)
        if tf.nnz:
            tf.data = 1.0 + np.log(tf.data)
            tf = _l2(tf @ sp.diags(self.idf_))
        blocks = [tf]
        n_concepts = self._concept_index.n_concepts
        if n_concepts and self.concept_weight_ > 0:
            cm = _count_matrix(concept_lists, None, n, n_concepts)
            cm.data[:] = 1.0
            cm = _l2(cm @ sp.diags(self.concept_idf_)) * self.concept_weight_
            blocks.append(cm)
        return _l2(sp.hstack(blocks, format="csr"))

    def _concept_weight(self, languages: Sequence[str]) -> float:
        """Concepts bridge languages; when nearly all texts share one, they mostly blur it."""
        if self.concept_weight != "auto":
            return float(self.concept_weight)
        if not languages:
            return 0.5
        counts: dict[str, int] = {}
        for language in languages:
            counts[language] = counts.get(language, 0) + 1
        return 0.5 if max(counts.values()) >= 0.9 * len(languages) else 1.5

    def _embed(self, texts, term_lists, concept_lists) -> tuple[np.ndarray, np.ndarray]:
        """Unit-length vectors and whether each unit had anything to go on."""
        if self.embedder is not None:
            x = np.asarray(self.embedder.encode(list(texts)), dtype=np.float64)
            has = np.array([bool(t.strip()) for t in texts], dtype=bool)
            return _l2_dense(x), has
        x = self._lexical(term_lists, concept_lists)
        has = np.asarray(x.getnnz(axis=1) > 0)
        x = self.svd_.transform(x) if self.svd_ is not None else x.toarray()
        return _l2_dense(x), has

    def _cluster(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score

        n = x.shape[0]
        rng = np.random.default_rng(self.seed)
        if self.n_themes != "auto":
            k = max(1, min(int(self.n_themes), n))
        else:
            # Silhouette on sparse short texts keeps rising with k: bound k by 1.5 * sqrt(n / 2);
            # and dense embeddings favour k = 2: start near 0.5 * sqrt(n / 2).
            hi = min(self.k_range[1], n // max(1, self.min_size), round(1.5 * math.sqrt(n / 2)))
            hi = max(2, hi)
            lo = min(hi, max(2, self.k_range[0], round(0.5 * math.sqrt(n / 2))))
            if hi - lo < 12:
                ks = list(range(lo, hi + 1))
            else:
                ks = sorted({int(round(v)) for v in np.geomspace(lo, hi, num=12)})
            n_init = self.n_init if n <= self.selection_size else 2
            # Choose k on a seeded subsample (silhouette is quadratic in the points scored).
            sub = np.sort(rng.choice(n, size=min(n, self.selection_size), replace=False))
            xs = x[sub]
            best_score, k = -2.0, ks[0]
            for cand in ks:
                if cand >= xs.shape[0]:
                    break
                labels = (
                    KMeans(n_clusters=cand, n_init=n_init, random_state=self.seed).fit(xs).labels_
                )
                if np.unique(labels).size < 2:
                    continue
                # Euclidean on unit vectors ranks like cosine and avoids a second copy.
                score = float(silhouette_score(xs, labels))
                if score > best_score + 1e-9:
                    best_score, k = score, cand
            self.silhouette_ = round(best_score, 4)
        n_init = self.n_init if n <= self.selection_size else min(self.n_init, 2)
        km = KMeans(n_clusters=k, n_init=n_init, random_state=self.seed).fit(x)
        labels = km.labels_.copy()
        centroids = _l2_dense(km.cluster_centers_)
        # Dissolve themes too small to keep; their members go to the nearest kept theme.
        sizes = np.bincount(labels, minlength=centroids.shape[0])
        keep = np.flatnonzero(sizes >= self.min_size)
        if keep.size == 0:
            keep = np.array([int(np.argmax(sizes))])
        centroids = centroids[keep]
        sims = x @ centroids.T
        labels = np.argmax(sims, axis=1)
        # one refinement step: centroids of the final membership
        centroids = _l2_dense(
            np.vstack(
                [
                    x[labels == j].mean(axis=0) if np.any(labels == j) else centroids[j]
                    for j in range(keep.size)
                ]
            )
        )
        return centroids, labels

    def _nearest(self, x: np.ndarray, has: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        theme = np.full(x.shape[0], -1, dtype=np.int64)
        sim = np.zeros(x.shape[0])
        if self.centroids_.shape[0] == 0 or x.shape[0] == 0:
            return theme, sim
        sims = x @ self.centroids_.T
        best = np.argmax(sims, axis=1)
        best_sim = sims[np.arange(x.shape[0]), best]
        ok = has & (best_sim >= self.similarity_floor)
        theme[ok] = best[ok]
        sim[ok] = best_sim[ok]
        return theme, sim

    def _keywords(self, term_lists, theme, k) -> list[tuple[str, ...]]:
        """Class-based TF-IDF over the model's vocabulary: frequent in the theme, rare elsewhere."""
        if k == 0:
            return []
        words = np.array(sorted(self.vocabulary_, key=self.vocabulary_.get), dtype=object)
        if words.size == 0:
            return [() for _ in range(k)]
        kept = [i for i, t in enumerate(theme.tolist()) if t >= 0]
        docs_terms = _count_matrix([term_lists[i] for i in kept], self.vocabulary_, len(kept))
        owner = sp.csr_matrix(
            (np.ones(len(kept)), (theme[kept], np.arange(len(kept)))), shape=(k, len(kept))
        )
        counts = (owner @ docs_terms).toarray()
        tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
        idf = np.log(1.0 + (counts.sum() / k) / np.maximum(counts.sum(axis=0), 1.0))
        ctfidf = np.round(tf * idf, 12)
        # Terms seen once in a theme say little; they rank after those used twice or more.
        ctfidf = np.where(counts >= 2, ctfidf, ctfidf * 0.25)
        position = np.arange(words.size)  # vocabulary is sorted: ties go alphabetically
        out = []
        for t in range(k):
            present = np.flatnonzero(counts[t] > 0)
            order = present[np.lexsort((position[present], -ctfidf[t, present]))]
            out.append(tuple(str(w) for w in words[order[: self.n_keywords]]))
        return out

    def _quotes(self, t, units, unit_theme, unit_sim, by_id, lang_of) -> tuple[Quote, ...]:
        """Sentences nearest the theme's centre, at most one per document, exact spans."""
        idx = np.flatnonzero(unit_theme == t)
        if idx.size == 0:
            return ()
        order = idx[np.lexsort((idx, -np.round(unit_sim[idx], 9)))][: max(4 * self.n_quotes, 20)]
        candidates = []  # (score, doc id, start, end)
        for i in order.tolist():
            d_id, s, e = units[i]
            text = by_id[d_id].text
            segment = text[s:e]
            spans = [(p.start + s, p.end + s) for p in text_mod.passages(segment, lang_of[d_id])]
            spans = [sp_ for sp_ in spans if text[sp_[0] : sp_[1]].strip()]
            if not spans:
                continue
            if len(spans) == 1:
                candidates.append((float(unit_sim[i]), d_id, *spans[0]))
                continue
            feats = [_features(text[a:b], lang_of[d_id], self._concept_index) for a, b in spans]
            x, has = self._embed(
                [text[a:b] for a, b in spans], [f[0] for f in feats], [f[1] for f in feats]
            )
            sims = x @ self.centroids_[t]
            sims = np.where(has, sims, -1.0)
            j = int(np.argmax(sims))
            candidates.append((float(unit_sim[i]) + float(sims[j]), d_id, *spans[j]))
        candidates.sort(key=lambda c: (-round(c[0], 9), c[1], c[2]))
        quotes, seen_docs, seen_text = [], set(), set()
        for _score, d_id, a, b in candidates:
            quote_text = " ".join(by_id[d_id].text[a:b].casefold().split())
            if d_id in seen_docs or quote_text in seen_text:
                continue
            seen_docs.add(d_id)
            seen_text.add(quote_text)
            quotes.append(Quote(id=d_id, span=(a, b)))
            if len(quotes) == self.n_quotes:
                break
        return tuple(quotes)


def discover_themes(documents: Sequence[Document], **params) -> DiscoveryResult:
    """Candidate themes of ``documents`` (see ThemeDiscoverer for ``params``)."""
    return ThemeDiscoverer(**params).fit(documents).result_


# ---------------------------------------------------------------------------------- internals
def _languages(docs: Sequence[Document]) -> list[str]:
    missing = [i for i, d in enumerate(docs) if not d.language]
    out = [d.language or "" for d in docs]
    if missing:
        found = text_mod.detect_languages([docs[i].text for i in missing])
        for i, lang in zip(missing, found, strict=True):
            out[i] = lang
    return out


class _ConceptIndex:
    """Keyword term sequences per language -> concept numbers (one per code of each codebook)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        # language -> sequence of terms -> concept numbers; language -> head term -> lengths
        self.sequences: dict[str, dict[tuple[str, ...], list[int]]] = {}
        self.heads: dict[str, dict[str, tuple[int, ...]]] = {}

    @property
    def n_concepts(self) -> int:
        return len(self.names)

    def add(self, language: str, seq: tuple[str, ...], concept: int) -> None:
        found = self.sequences.setdefault(language, {}).setdefault(seq, [])
        if concept not in found:
            found.append(concept)
        heads = self.heads.setdefault(language, {})
        heads[seq[0]] = tuple(sorted(set(heads.get(seq[0], ())) | {len(seq)}))

    def match(self, terms: list[str], language: str) -> list[int]:
        heads = self.heads.get(language)
        if not heads:
            return []
        sequences = self.sequences[language]
        found: list[int] = []
        get = heads.get
        for i, term in enumerate(terms):
            lengths = get(term)
            if lengths is None:
                continue
            for length in lengths:
                hit = sequences.get(tuple(terms[i : i + length]))
                if hit:
                    found.extend(hit)
        return found


_CONCEPT_CACHE: dict[tuple, _ConceptIndex] = {}


def _concept_index(concepts) -> _ConceptIndex:
    if concepts is None:
        return _ConceptIndex()
    if isinstance(concepts, str):
        if concepts != "builtin":
            raise ValueError('concepts must be "builtin", None or a sequence of codebooks')
        key = ("builtin",)
    else:
        key = tuple((cb.id, cb.version) for cb in concepts)
    cached = _CONCEPT_CACHE.get(key)
    if cached is not None:
        return cached
    if isinstance(concepts, str):
        from . import io
        from .codebook import BUILTIN_CODEBOOKS

        books = []
        for name in BUILTIN_CODEBOOKS:
            try:
                books.append(io.read_codebook(name))
            except (FileNotFoundError, OSError, ValueError):
                continue  # a missing built-in codebook only removes its concepts
    else:
        books = list(concepts)
    index = _ConceptIndex()
    for book in books:
        for code in book.codes:
            number = len(index.names)
            index.names.append(f"{book.id}:{code.id}")
            for lang, words in sorted(code.keywords.items()):
                for word in words:
                    seq = tuple(_terms(word, lang))
                    if seq:
                        index.add(lang, seq, number)
    _CONCEPT_CACHE[key] = index
    return index


# Word shapes as in text.tokens: letters/digits with combining marks, hyphenated compounds whole.
_MARKS = "\u00ad\u0300-\u036f\u0483-\u0489\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
_WORD_RE = re.compile(rf"[\w{_MARKS}]+(?:[-\u2010\u2011][\w{_MARKS}]+)*")  # one class: fast
_HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_OR_WORD_RE = re.compile(rf"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[\w{_MARKS}]+")


class _WordTerms(dict):
    """Surface word -> its term (lemma) or "" for a stop word, for one language.

    ``text.terms`` of a single word decides, once per distinct word: a million answers reuse
    a few hundred thousand words, so the hot path is a regex pass and dictionary look-ups.
    """

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language

    def __missing__(self, word: str) -> str:
        found = text_mod.terms(word, self.language)
        value = found[0] if len(found) == 1 else " ".join(found)
        self[word] = value
        return value


_WORD_TERMS: dict[str, _WordTerms] = {}


def _terms(text: str, language: str) -> list[str]:
    if language == "zh" or (language not in text_mod.LANGUAGES and _HAN_RE.search(text)):
        return text_mod.terms(text, language)  # word segmentation needs jieba
    table = _WORD_TERMS.get(language)
    if table is None:
        table = _WORD_TERMS[language] = _WordTerms(language)
    return [t for t in map(table.__getitem__, _WORD_RE.findall(text)) if t]


def _features(text: str, language: str, index: _ConceptIndex | None = None):
    """Terms (lemmas and neighbouring lemma pairs) and concept numbers of a text."""
    terms = _terms(text, language)
    pairs = [f"{a} {b}" for a, b in zip(terms, terms[1:], strict=False)]
    concepts = index.match(terms, language) if index is not None else []
    return terms + pairs, concepts


def _count_matrix(lists, vocab: dict | None, n: int, width: int | None = None) -> sp.csr_matrix:
    """Rows of counts from lists of terms (looked up in ``vocab``) or of column numbers."""
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=n)
    flat = chain.from_iterable(lists)
    if vocab is not None:
        get = vocab.get
        cols = np.fromiter(map(get, flat, repeat(-1)), dtype=np.int64, count=int(lengths.sum()))
        width = len(vocab)
    else:
        cols = np.fromiter(flat, dtype=np.int64, count=int(lengths.sum()))
    rows = np.repeat(np.arange(n), lengths)
    ok = cols >= 0
    m = sp.csr_matrix(
        (np.ones(int(ok.sum())), (rows[ok], cols[ok])), shape=(n, width), dtype=np.float64
    )
    m.sum_duplicates()
    return m


class _KnownTerms:
    """Terms of texts beyond the fitting sample, from words the sample already taught us.

    Lemmatising every rare word (names, typos) of a million texts would dominate the run, and a
    word the model never saw cannot change its theme; so only known surface words are looked up,
    plus a case-folded match against the vocabulary. Chinese is matched greedily (longest first)
    against the vocabulary's words instead of being segmented again. Built from this fit's sample
    only, so the result never depends on what the process analysed before.
    """

    def __init__(self, texts, languages, vocabulary, index: _ConceptIndex) -> None:
        self.index = index
        self.tables: dict[str, dict[str, str]] = {}
        for text, language in zip(texts, languages, strict=True):
            if language == "zh" or language not in text_mod.LANGUAGES:
                continue
            shared = _WORD_TERMS.get(language)
            if shared is None:
                continue
            table = self.tables.setdefault(language, {})
            for word in _WORD_RE.findall(text):
                if word not in table:
                    table[word] = shared[word]
        self.known = {t for t in vocabulary if " " not in t}
        for sequences in index.sequences.values():
            for seq in sequences:
                self.known.update(seq)
        self.han_words = {t for t in self.known if _HAN_RE.search(t)}
        self.han_longest = max((len(t) for t in self.han_words), default=0)

    def terms(self, text: str, language: str) -> list[str]:
        if language == "zh" or (language not in text_mod.LANGUAGES and _HAN_RE.search(text)):
            return self._han_terms(text)
        get = self.tables.get(language, {}).get
        known = self.known
        out = []
        for word in _WORD_RE.findall(text):
            term = get(word)
            if term is None:
                folded = word.casefold()
                term = folded if folded in known else ""
            if term:
                out.append(term)
        return out

    def _han_terms(self, text: str) -> list[str]:
        out = []
        words, longest = self.han_words, self.han_longest
        for run in _HAN_OR_WORD_RE.findall(text):
            if not _HAN_RE.match(run):
                folded = run.casefold()
                if folded in self.known:
                    out.append(folded)
                continue
            i = 0
            while i < len(run):
                for size in range(min(longest, len(run) - i), 0, -1):
                    piece = run[i : i + size]
                    if piece in words:
                        out.append(piece)
                        i += size
                        break
                else:
                    i += 1
        return out

    def features(self, text: str, language: str):
        terms = self.terms(text, language)
        pairs = [f"{a} {b}" for a, b in zip(terms, terms[1:], strict=False)]
        return terms + pairs, self.index.match(terms, language)


def _short_label(keywords: Sequence[str]) -> str:
    """Up to three keywords, skipping a pair whose words are already shown."""
    shown: list[str] = []
    words: set[str] = set()
    for kw in keywords:
        parts = kw.split(" ")
        if len(parts) > 1 and all(p in words for p in parts):
            continue
        if kw in words:
            continue
        shown.append(kw)
        words.update(parts)
        if len(shown) == 3:
            break
    return " · ".join(shown) if shown else "(no terms)"


def _l2(x: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags(1.0 / norms) @ x


def _l2_dense(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms
