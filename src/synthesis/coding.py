"""Coding texts against a codebook: zero-shot from the codebook itself, or supervised from examples.

Every assignment carries its evidence: character spans into the original text (whole passages,
so that ``text[start:end]`` is a quotable sentence) and a short explanation naming the terms and
passages behind it, because analysts must be able to check each machine decision.

- :class:`ZeroShotCoder` needs only the codebook (labels, descriptions, keywords per language). It
  scores each passage against tf-idf weighted code profiles with one sparse matrix product per
  language and batch, and sets its thresholds from the corpus being coded (or a small labelled
  sample), not from a hand-picked constant alone.
- :class:`SupervisedCoder` learns from analysts' coded examples (word and character n-grams,
  linear SVMs, per-code calibration and a decision rule chosen by internal cross-validation) and
  reports its cross-validated quality in ``cv_report_``.
- :func:`suggest_for_review` picks the texts an analyst should code next (uncertain and varied).
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from scipy import sparse

from synthesis import _features as F
from synthesis import text as _text
from synthesis._gc import pausing
from synthesis.codebook import Code, Codebook
from synthesis.text import LANGUAGES, Document

SOURCES = ("lexical", "supervised", "embeddings", "llm")

__all__ = [
    "CodeAssignment",
    "CodedDocument",
    "NotFittedError",
    "SupervisedCoder",
    "ZeroShotCoder",
    "code_all",
    "suggest_for_review",
]


class NotFittedError(RuntimeError):
    """The coder was used before ``fit``."""


@dataclass(frozen=True, slots=True)
class CodeAssignment:
    code: str
    score: float
    spans: tuple[tuple[int, int], ...]
    explanation: str
    source: str


@dataclass(frozen=True, slots=True)
class CodedDocument:
    id: str
    language: str
    codes: tuple[CodeAssignment, ...]


def _r(value: float) -> float:
    return round(float(value), 4)


def _with_languages(documents: Sequence[Document]) -> list[Document]:
    """Documents with a language; missing ones detected in one batch."""
    documents = list(documents)
    missing = [i for i, d in enumerate(documents) if not d.language]
    if missing:
        found = _text.detect_languages([documents[i].text for i in missing])
        for i, language in zip(missing, found, strict=True):
            documents[i] = replace(documents[i], language=language)
    return documents


def _analysis_language(language: str | None) -> str:
    return language if language in LANGUAGES else "en"


def _sorted_assignments(assignments: list[CodeAssignment]) -> tuple[CodeAssignment, ...]:
    if len(assignments) < 2:
        return tuple(assignments)
    return tuple(sorted(assignments, key=lambda a: (-a.score, a.code)))


# Characters that may end a sentence or a paragraph; a text with none of them before its final
# punctuation is a single passage, which spares the sentence splitter on most short answers.
_MAYBE_BOUNDARY = re.compile("[.!?…؟。！？\n\r\u2028\u2029]")
_TRAILING = ".!?…\"'”’»)]"
_CJK_END = "。！？؟"


def _passage_spans(text: str, language: str) -> list[tuple[int, int]]:
    end = len(text.rstrip())
    start = len(text) - len(text.lstrip())
    if start >= end:
        return []
    core = end - 1 if text[end - 1] in _CJK_END else len(text[:end].rstrip(_TRAILING))
    if _MAYBE_BOUNDARY.search(text, start, core) is None:
        return [(start, end)]
    return [(p.start, p.end) for p in _text.passages(text, language)]


def _quote(term: str) -> str:
    return f"“{term}”"


# ============================================================================================
# Zero-shot coding
# ============================================================================================

# Evidence weights of the parts of a code profile (a keyword is the strongest signal).
W_KEYWORD = 1.0
W_KEYWORD_PART = 0.2
W_LABEL = 0.45
W_LABEL_PHRASE = 0.6
W_DESCRIPTION = 0.15
W_DESCRIPTION_PHRASE = 0.3
FALLBACK_WEIGHT = 0.3  # English terms matched in a text written in another language
SCORE_SCALE = 1.0  # one distinctive keyword -> score 1 - e^-1 = 0.63
DEFAULT_THRESHOLD = 0.4  # used only when there is no corpus or sample to calibrate from
THRESHOLD_BOUNDS = (0.2, 0.75)  # calibrated thresholds stay inside this sane band
IDF_REFERENCE = 20.0  # a term in more than 1/20 of the passages starts to count for less
MIN_CALIBRATION_PASSAGES = 30
W_CORPUS = 0.35  # weight of the strongest related term learned from the corpus being coded
MIN_SEED_PASSAGES = 3  # passages a code needs before the corpus may teach it related terms
EXPLAINED_CACHE = 1 << 13  # explanations remembered per language profile (a few MB)
EXPLAINED_PLACES = 64  # and for each, the wordings for that many passage lists


@lru_cache(maxsize=1 << 16)
def _lemmas(phrase: str, language: str) -> tuple[str, ...]:
    return tuple(_text.terms(phrase, language))


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold()


class _Profiles:
    """Per-language sparse code profiles: feature vocabulary and a (features x codes) matrix.

    Features are lemmas, keyword phrases as consecutive lemma sequences (stop words dropped,
    so "role of government" also matches "role of the government"), and for Chinese the raw
    keyword strings, matched as substrings of the text.
    """

    def __init__(self, codebook: Codebook, language: str, fallback_weight: float) -> None:
        self.language = language
        self.n_codes = len(codebook.codes)
        self.weights: dict[str, dict[int, float]] = {}
        self._whole_words: set[str] = set()  # raw keys matched only as whole words
        self._display: dict[str, str] = {}
        self._kinds: dict[str, str] = {}
        # A code's score is measured against the strongest evidence its definition offers: one
        # keyword where the codebook gives keywords, one label word where it gives only labels
        # and descriptions (so that such codebooks are not doomed to low scores).
        self.code_scale = np.array(
            [
                W_KEYWORD if code.keywords.get(language) or code.keywords.get("en") else W_LABEL
                for code in codebook.codes
            ]
        )
        for j, code in enumerate(codebook.codes):
            own = _has_language(code, language)
            sources = [(language, 1.0)]
            if language != "en":
                sources.append(("en", fallback_weight if own else 1.0))
            for lang, factor in sources:
                self._add_code_terms(code, j, lang, factor, self.add)
        self._build()

    def add(self, key: str, code: int, weight: float, shown: str, kind: str) -> None:
        per_code = self.weights.setdefault(key, {})
        if weight > per_code.get(code, 0.0):
            per_code[code] = weight
        if key not in self._display or (kind == "keyword" and self._kinds[key] != "keyword"):
            self._display[key] = shown
            self._kinds[key] = kind

    def _build(self) -> None:
        self.generation = object()  # a new vocabulary: matchers built on the old one are stale
        self.keys = list(self.weights)
        self.vocab = {key: i for i, key in enumerate(self.keys)}
        self.display = [self._display[k] for k in self.keys]
        self.kinds = [self._kinds[k] for k in self.keys]
        rows, cols, vals = [], [], []
        for i, key in enumerate(self.keys):
            for j, w in sorted(self.weights[key].items()):
                rows.append(i)
                cols.append(j)
                vals.append(w)
        n_codes = self.n_codes
        matrix = sparse.csr_matrix(
            (np.array(vals, dtype=np.float64), (rows, cols)), shape=(len(self.keys), n_codes)
        )
        # Specificity across codes: a term in many profiles says little about any one of them.
        spread = np.bincount(np.array(rows, dtype=np.int64), minlength=len(self.keys))
        code_idf = np.log1p(n_codes / np.maximum(spread, 1)) / math.log1p(n_codes)
        self.code_idf = code_idf if n_codes > 1 else np.ones(len(self.keys))
        self.base = sparse.csr_matrix(
            sparse.diags(self.code_idf) @ matrix @ sparse.diags(1.0 / self.code_scale)
        )
        self.matrix = self.base
        self.corpus_factor = np.ones(len(self.keys))
        starts: dict[str, set[int]] = {}
        for key in self.keys:
            if key.startswith("="):
                continue
            parts = key.split(" ")
            if len(parts) > 1:
                starts.setdefault(parts[0], set()).add(len(parts))
        self.phrase_starts = {k: tuple(sorted(v)) for k, v in starts.items()}
        raw = sorted((k[1:] for k in self.keys if k.startswith("=")), key=lambda s: (-len(s), s))
        anywhere = [re.escape(s) for s in raw if "=" + s not in self._whole_words]
        words = [re.escape(s) for s in raw if "=" + s in self._whole_words]
        if words:
            # Arabic writes "and" and "so" (و, ف) onto the next word: ويجب is "and must".
            before = r"(?<![^\W\u0648\u0641])" if self.language == "ar" else r"(?<!\w)"
            anywhere.append(before + "(?:" + "|".join(words) + r")(?!\w)")
        self.raw_re = re.compile("|".join(anywhere)) if anywhere else None

    @property
    def matrix(self) -> sparse.csr_matrix:
        return self._matrix

    @matrix.setter
    def matrix(self, value: sparse.csr_matrix) -> None:
        self._matrix = value
        self._explained: dict[tuple, tuple[list[str], str, dict[tuple[str, str], str]]] = {}

    def explained(self, contributions: dict[int, float], where: str, source: str) -> tuple[bool, str]:
        """Whether any term is named, and the explanation of an assignment with these term
        contributions in these passages, remembered: a corpus repeats the same few matches
        endlessly, and one shared string per explanation is also what a million results hold."""
        key = tuple(contributions.items())
        found = self._explained.get(key)
        if found is None:
            if len(self._explained) >= EXPLAINED_CACHE:
                self._explained.clear()
            named = _explained_terms(contributions, self)
            found = self._explained[key] = (named, ", ".join(_quote(t) for t in named), {})
        named, quoted, said = found
        explanation = said.get((where, source))
        if explanation is None:
            if len(said) >= EXPLAINED_PLACES:
                said.clear()
            if named:
                explanation = f"matched {quoted} in {where}"
                if source == "embeddings":
                    explanation += "; semantic similarity to the code description"
            else:
                explanation = f"semantic similarity to the code description in {where}"
            said[(where, source)] = explanation
        return bool(named), explanation

    def _add_code_terms(self, code: Code, j: int, lang: str, factor: float, add) -> None:
        raw_phrases = lang == "zh"
        for keyword in code.keywords.get(lang, ()):
            lemmas = _lemmas(keyword, lang)
            if raw_phrases:
                key = "=" + _nfkc(keyword)
                add(key, j, W_KEYWORD * factor, keyword, "keyword")
                if len(lemmas) > 1:
                    for part in lemmas:
                        add(part, j, W_KEYWORD_PART * factor, part, "part")
                continue
            if not lemmas:
                # Every word a stop word ("should", "must", "not yet", "hay que", "يجب"): no
                # lemma survives, so the keyword is found as it is written, as whole words.
                key = "=" + _nfkc(keyword)
                self._whole_words.add(key)
                add(key, j, W_KEYWORD * factor, keyword, "keyword")
                continue
            if len(lemmas) == 1:
                add(lemmas[0], j, W_KEYWORD * factor, keyword, "keyword")
            else:
                add(" ".join(lemmas), j, W_KEYWORD * factor, keyword, "keyword")
                for part in lemmas:
                    add(part, j, W_KEYWORD_PART * factor, part, "part")
        for translations, w_word, w_phrase, kind in (
            (code.label, W_LABEL, W_LABEL_PHRASE, "label"),
            (code.description, W_DESCRIPTION, W_DESCRIPTION_PHRASE, "description"),
        ):
            value = translations.get(lang)
            if not value:
                continue
            lemmas = _lemmas(value, lang)
            for part in lemmas:
                add(part, j, w_word * factor, part, kind)
            if not raw_phrases:
                for a, b in zip(lemmas, lemmas[1:], strict=False):
                    add(f"{a} {b}", j, w_phrase * factor, f"{a} {b}", kind)

    def match(self, unit: str, seq: tuple[str, ...] | None = None) -> list[int]:
        """Feature columns found in one passage (with repeats: term frequency); ``seq`` is the
        passage's terms when the caller has them already."""
        if seq is None:
            seq = _lemmas(unit, self.language)
        out: list[int] = []
        _lexical_matches(seq, self.vocab, self.phrase_starts, out)
        out.extend(self._raw_matches(unit))
        return out

    def _raw_matches(self, unit: str, normalised: str | None = None) -> list[int]:
        """Columns of the raw (Chinese substring) keys found in a passage (``normalised``: its
        ``_nfkc`` form, where the caller has it)."""
        if self.raw_re is None:
            return []
        if normalised is None:
            normalised = _nfkc(unit)
        return [self.vocab["=" + found.group()] for found in self.raw_re.finditer(normalised)]

    def features(
        self, units: Sequence[str], terms: Sequence[tuple[str, ...]] | None = None
    ) -> sparse.csr_matrix:
        """Sublinear term frequencies of profile features, one row per passage."""
        indptr = [0]
        indices: list[int] = []
        for k, unit in enumerate(units):
            indices.extend(self.match(unit, terms[k] if terms is not None else None))
            indptr.append(len(indices))
        return self._term_frequencies(
            np.array(indices, dtype=np.int64), np.array(indptr, dtype=np.int64)
        )

    def _term_frequencies(self, indices: np.ndarray, indptr: np.ndarray) -> sparse.csr_matrix:
        X = sparse.csr_matrix(
            (np.ones(len(indices)), indices, indptr), shape=(len(indptr) - 1, len(self.keys))
        )
        X.sum_duplicates()  # repeats become counts; columns sorted within each row
        X.data = _sublinear(X.data)
        return X

    def features_from(self, matches: _Matches, units: Sequence[str]) -> sparse.csr_matrix:
        """``features``, from the passages' matches against several profiles' joint vocabulary."""
        columns = matches.matcher.columns[matches.matcher.position[self.generation]][matches.uids]
        found = columns >= 0
        rows, columns = matches.rows[found], columns[found]
        if self.raw_re is not None:
            if matches.normalised is None:  # shared by every profile with raw keys
                matches.normalised = [_nfkc(unit) for unit in units]
            raw = [
                (r, col)
                for r, (unit, normalised) in enumerate(zip(units, matches.normalised, strict=True))
                for col in self._raw_matches(unit, normalised)
            ]
            if raw:
                extra = np.array(raw, dtype=np.int64)
                rows, columns = np.r_[rows, extra[:, 0]], np.r_[columns, extra[:, 1]]
                order = np.argsort(rows, kind="stable")
                rows, columns = rows[order], columns[order]
        indptr = np.zeros(len(units) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(units)), out=indptr[1:])
        return self._term_frequencies(columns, indptr)

    def set_corpus(self, document_frequency: np.ndarray | None, n_units: int) -> None:
        """Terms common in this corpus (the consultation's own topic words) count for less."""
        if document_frequency is None or n_units < MIN_CALIBRATION_PASSAGES:
            self.corpus_factor = np.ones(len(self.keys))
        else:
            idf = np.log((1.0 + n_units) / (1.0 + document_frequency))
            self.corpus_factor = np.clip(idf / math.log(IDF_REFERENCE), 0.05, 1.0)
        self.matrix = sparse.csr_matrix(sparse.diags(self.corpus_factor) @ self.base)


def _lexical_matches(
    seq: Sequence[str],
    vocab: Mapping[str, int],
    starts: Mapping[str, tuple[int, ...]],
    out: list[int],
    phrases: Mapping[int, Mapping[str, int]] | None = None,
) -> None:
    """Append the entries of ``vocab`` found in a passage's terms: each term, and each phrase of a
    length ``starts`` gives for the word it begins with (repeats kept: term frequency). Phrases are
    looked up in ``phrases[length]`` when given, else in ``vocab``."""
    n = len(seq)
    for i, term in enumerate(seq):
        entry = vocab.get(term)
        if entry is not None:
            out.append(entry)
        lengths = starts.get(term)
        if lengths:
            for length in lengths:
                if i + length <= n:
                    entry = (vocab if phrases is None else phrases[length]).get(
                        " ".join(seq[i : i + length])
                    )
                    if entry is not None:
                        out.append(entry)


_SUBLINEAR = np.array([0.0] + [1.0 + math.log(n) for n in range(1, 256)])


def _sublinear(counts: np.ndarray) -> np.ndarray:
    """1 + ln(count), from a table built with math.log (numpy's log may differ in the last bit)."""
    whole = counts.astype(np.int64)
    if len(whole) and whole.max() >= len(_SUBLINEAR):
        return np.array([1.0 + math.log(n) for n in whole.tolist()])
    return _SUBLINEAR[whole]


class _UnionMatcher:
    """Several codebooks' profiles for one language, matched in one pass over each passage: the
    same features each profile's ``match`` finds, mapped to each one's columns. A phrase is an entry
    per length it is looked up with, and counts for a profile only if that profile looks it up with
    that length (a term may hold a space: NFKC spells ﷺ as four words, so two terms can join into a
    five-word keyword). Raw (Chinese substring) keys stay with each profile's own pattern."""

    def __init__(self, profiles: Sequence[_Profiles]) -> None:
        self.position = {p.generation: k for k, p in enumerate(profiles)}
        starts: dict[str, set[int]] = {}
        for p in profiles:
            for word, lengths in p.phrase_starts.items():
                starts.setdefault(word, set()).update(lengths)
        self.phrase_starts = {word: tuple(sorted(lengths)) for word, lengths in starts.items()}
        # (key, length): length 1 for a single term's look-up, the joined terms' count for phrases.
        entries: dict[tuple[str, int], int] = {}
        for p in profiles:
            for key in p.keys:
                if key.startswith("="):
                    continue
                entries.setdefault((key, 1), len(entries))
                parts = key.split(" ")
                for length in self.phrase_starts.get(parts[0], ()) if len(parts) > 1 else ():
                    if length <= len(parts):
                        entries.setdefault((key, length), len(entries))
        self.vocab = {key: uid for (key, length), uid in entries.items() if length == 1}
        self.phrases: dict[int, dict[str, int]] = {}
        for (key, length), uid in entries.items():
            if length > 1:
                self.phrases.setdefault(length, {})[key] = uid
        for length in {n for lengths in self.phrase_starts.values() for n in lengths}:
            self.phrases.setdefault(length, {})
        self.columns = np.full((len(profiles), len(entries)), -1, dtype=np.int64)
        for k, p in enumerate(profiles):
            for (key, length), uid in entries.items():
                col = p.vocab.get(key)
                if col is not None and (
                    length == 1 or length in p.phrase_starts.get(key.split(" ")[0], ())
                ):
                    self.columns[k, uid] = col

    def match_all(self, terms: Sequence[tuple[str, ...]]) -> _Matches:
        vocab, starts, phrases = self.vocab, self.phrase_starts, self.phrases
        uids: list[int] = []
        rows: list[int] = []
        for r, seq in enumerate(terms):
            before = len(uids)
            _lexical_matches(seq, vocab, starts, uids, phrases)
            if len(uids) > before:
                rows.extend([r] * (len(uids) - before))
        return _Matches(self, np.array(uids, dtype=np.int64), np.array(rows, dtype=np.int64))


@dataclass
class _Matches:
    matcher: _UnionMatcher
    uids: np.ndarray  # matched joint-vocabulary entries, passage by passage, in text order
    rows: np.ndarray  # the passage (row in its language group) of each
    normalised: list[str] | None = None  # the passages' _nfkc forms, once a profile needs them


_UNION_MATCHERS: dict[tuple[object, ...], _UnionMatcher] = {}


def _union_matcher(profiles: Sequence[_Profiles]) -> _UnionMatcher:
    """Built once per set of profile vocabularies (code_all runs batch after batch)."""
    key = tuple(p.generation for p in profiles)
    matcher = _UNION_MATCHERS.get(key)
    if matcher is None:
        if len(_UNION_MATCHERS) >= 8:
            _UNION_MATCHERS.clear()
        matcher = _UNION_MATCHERS[key] = _UnionMatcher(profiles)
    return matcher


def _has_language(code: Code, language: str) -> bool:
    return bool(
        code.keywords.get(language) or code.label.get(language) or code.description.get(language)
    )


@dataclass
class _Analysed:
    """A batch's passages and their terms: the work every codebook coding it would repeat."""

    units: list[tuple[int, int, int, int]]  # (document index, start, end, passage number)
    unit_language: list[str]
    groups: dict[str, list[int]]  # language -> unit indices
    texts: dict[str, list[str]]  # language -> passage texts, in group order
    terms: dict[str, list[tuple[str, ...]]]  # language -> passage terms, in group order
    # Per unit: its group's place among the sorted languages, and its row in that group.
    group_of: np.ndarray
    row_in_group: np.ndarray
    # language -> matches against several coders' joint vocabulary (code_all)
    matched: dict[str, _Matches] = field(default_factory=dict)


def _analyse(documents: Sequence[Document]) -> _Analysed:
    units: list[tuple[int, int, int, int]] = []
    unit_language: list[str] = []
    groups: dict[str, list[int]] = {}
    texts: dict[str, list[str]] = {}
    for i, doc in enumerate(documents):
        language = _analysis_language(doc.language)
        for number, (start, end) in enumerate(_passage_spans(doc.text, language), start=1):
            groups.setdefault(language, []).append(len(units))
            texts.setdefault(language, []).append(doc.text[start:end])
            units.append((i, start, end, number))
            unit_language.append(language)
    analysed_terms = {language: _text.terms_of(group, language) for language, group in texts.items()}
    group_of = np.zeros(len(units), dtype=np.int64)
    row_in_group = np.zeros(len(units), dtype=np.int64)
    for g, language in enumerate(sorted(groups)):
        group_of[groups[language]] = g
        row_in_group[groups[language]] = np.arange(len(groups[language]))
    return _Analysed(units, unit_language, groups, texts, analysed_terms, group_of, row_in_group)


@dataclass
class _Scored:
    """Passage-level scores for a batch of documents."""

    units: list[tuple[int, int, int, int]]  # (document index, start, end, passage number)
    unit_language: list[str]
    features: list[sparse.csr_matrix]  # per language group, rows in group order
    group_rows: dict[str, np.ndarray]  # language -> unit indices
    scores: np.ndarray  # (n_units, n_codes) in [0, 1)
    analysed: _Analysed  # the passages and terms these scores came from


class ZeroShotCoder:
    """Codes texts from the codebook alone: labels, descriptions and keywords per language.

    Parameters
    ----------
    threshold: "auto" calibrates from the passages of the documents given to ``fit`` (Otsu's
        cut of the non-zero score distribution, kept within ``THRESHOLD_BOUNDS``), or from
        ``labels`` when a small coded sample is given; a float fixes it.
    relative: a passage keeps a code only if its score is at least this share of the
        passage's best code score (0 turns the rule off).
    evidence: "passage" (spans are whole sentences) or "term" (spans are the matched words).
    expand: how many related terms per code to learn from the corpus given to ``fit``
        (pseudo-relevance feedback: terms over-represented in the passages the codebook terms
        already match); 0 turns it off. Learned terms weigh less than the codebook's own.
    embedder: optional object with ``encode(list[str]) -> array``; adds semantic similarity.
    calibration_sample: ``fit`` learns from at most this many documents (a seeded random
        sample; labelled documents are always kept): the score distribution is stable long before
        a million answers, and coding them all twice would double the work.
    """

    def __init__(
        self,
        codebook: Codebook,
        *,
        threshold: str | float = "auto",
        relative: float = 0.5,
        seed: int = 0,
        embedder=None,
        fallback_weight: float = FALLBACK_WEIGHT,
        max_spans: int = 3,
        evidence: str = "passage",
        expand: int = 20,
        calibration_sample: int = 20_000,
        batch_size: int = 20_000,
    ) -> None:
        self.codebook = codebook
        self.threshold = threshold
        self.relative = relative
        self.seed = seed
        self.embedder = embedder
        self.fallback_weight = fallback_weight
        self.max_spans = max_spans
        self.evidence = evidence
        self.expand = expand
        self.calibration_sample = calibration_sample
        self.batch_size = batch_size

    # ---------------------------------------------------------------------------------------
    def _profiles(self, language: str) -> _Profiles:
        language = _analysis_language(language)
        if language not in self.profiles_:
            self.profiles_[language] = _Profiles(self.codebook, language, self.fallback_weight)
        return self.profiles_[language]

    @pausing
    def fit(
        self,
        documents: Sequence[Document] = (),
        labels: Mapping[str, Collection[str]] | None = None,
    ) -> ZeroShotCoder:
        """Weight terms by the corpus and set thresholds from it (or from ``labels``)."""
        if self.evidence not in ("passage", "term"):
            raise ValueError(f"evidence must be 'passage' or 'term', not {self.evidence!r}")
        self.code_ids_ = tuple(self.codebook.code_ids)
        self.profiles_: dict[str, _Profiles] = {}
        self.embedding_threshold_ = None
        self.code_vectors_ = None
        documents = list(documents)
        if labels is not None and not any(d.id in labels for d in documents):
            labels = None
        if len(documents) > self.calibration_sample:
            rng = np.random.default_rng(self.seed)
            chosen = np.sort(rng.choice(len(documents), self.calibration_sample, replace=False))
            keep = set(chosen.tolist())
            documents = [
                d for i, d in enumerate(documents) if i in keep or (labels and d.id in labels)
            ]
        documents = _with_languages(documents)
        self.calibration_documents_ = len(documents)
        scored = self._score(documents, corpus=True) if documents else None
        self._calibrate(documents, labels, scored)
        self.expanded_terms_ = 0
        if self.expand and scored is not None and self._expand(scored):
            scored = self._score(documents, corpus=True, analysed=scored.analysed)
            self._calibrate(documents, labels, scored)
        self.corpus_passages_ = len(scored.units) if scored else 0
        return self

    def _calibrate(self, documents, labels, scored) -> None:
        n_codes = len(self.code_ids_)
        if isinstance(self.threshold, int | float) and not isinstance(self.threshold, bool):
            self.thresholds_ = np.full(n_codes, float(self.threshold))
            self.threshold_source_ = "fixed"
        elif self.threshold != "auto":
            raise ValueError(f"threshold must be 'auto' or a number, not {self.threshold!r}")
        elif labels and documents:
            self._calibrate(documents, None, scored)  # the corpus's own cut is the prior
            self.thresholds_ = self._from_labels(documents, labels, scored, self.thresholds_[0])
            self.threshold_source_ = f"labelled sample ({sum(d.id in labels for d in documents)})"
        elif scored is not None and len(scored.units) >= MIN_CALIBRATION_PASSAGES:
            values = np.clip(scored.scores[scored.scores > 0.01], 0.01, 0.9999)
            if len(values) >= MIN_CALIBRATION_PASSAGES:
                cut = F.otsu(np.log(values / (1 - values)))
                t = float(np.clip(1 / (1 + math.exp(-cut)), *THRESHOLD_BOUNDS))
                self.threshold_source_ = f"corpus ({len(scored.units)} passages)"
            else:
                t = DEFAULT_THRESHOLD
                self.threshold_source_ = "default (too few matches to calibrate)"
            self.thresholds_ = np.full(n_codes, round(t, 4))
        else:
            self.thresholds_ = np.full(n_codes, DEFAULT_THRESHOLD)
            self.threshold_source_ = "default (no corpus)"

    def _expand(self, scored: _Scored) -> bool:
        """Teach each code the terms over-represented in the passages it already matches.

        Rocchio-style: the tf-idf centroid of a code's matched passages minus the corpus centroid;
        the top ``expand`` terms that occur in at least two of those passages join the profile.
        """
        keep = self._unit_decisions(scored, self.thresholds_)
        added = 0
        for language, rows in sorted(scored.group_rows.items()):
            if len(rows) < MIN_CALIBRATION_PASSAGES:
                continue
            vocab: dict[str, int] = {}
            indptr, indices, data = [0], [], []
            for passage_terms in scored.analysed.terms[language]:  # the group's passages, in order
                counts: dict[int, int] = {}
                for term in passage_terms:
                    col = vocab.setdefault(term, len(vocab))
                    counts[col] = counts.get(col, 0) + 1
                for col in sorted(counts):
                    indices.append(col)
                    data.append(1.0 + math.log(counts[col]))
                indptr.append(len(indices))
            if not vocab:
                continue
            U = sparse.csr_matrix(
                (np.array(data), np.array(indices, dtype=np.int64), indptr),
                shape=(len(rows), len(vocab)),
            )
            df = np.bincount(U.indices, minlength=len(vocab))
            U = F._l2(U @ sparse.diags(np.log((1.0 + len(rows)) / (1.0 + df)) + 1.0))
            mean_all = np.asarray(U.mean(axis=0)).ravel()
            names = list(vocab)
            profiles = self._profiles(language)
            local_keep = keep[rows]
            for j in range(len(self.code_ids_)):
                seeds = np.flatnonzero(local_keep[:, j])
                if len(seeds) < MIN_SEED_PASSAGES:
                    continue
                U_seed = U[seeds]
                centroid = np.asarray(U_seed.mean(axis=0)).ravel() - mean_all
                support = np.bincount(U_seed.indices, minlength=len(vocab))
                candidates = np.flatnonzero((centroid > 0) & (support >= 2))
                top = sorted(candidates, key=lambda c: (-centroid[c], names[c]))[: self.expand]
                if not top:
                    continue
                best = centroid[top[0]]
                for col in top:
                    weight = round(float(W_CORPUS * centroid[col] / best), 6)
                    profiles.add(names[col], j, weight, names[col], "corpus")
                    added += 1
            profiles._build()
        self.expanded_terms_ = added
        return added > 0

    def _from_labels(self, documents, labels, scored, prior: float) -> np.ndarray:
        """Global threshold that maximises sample F1 on the coded sample.

        Thresholds within half a document's worth of F1 of the best count as equally good, and
        the one nearest the corpus-calibrated ``prior`` wins: a sample of 20 should move the
        threshold only when it clearly disagrees.
        """
        index = [i for i, d in enumerate(documents) if d.id in labels]
        codes = {c: j for j, c in enumerate(self.code_ids_)}
        Y = np.zeros((len(index), len(codes)), dtype=bool)
        for row, i in enumerate(index):
            for c in labels[documents[i].id]:
                if c in codes:
                    Y[row, codes[c]] = True
        grid = sorted({*np.round(np.linspace(0.05, 0.9, 35), 4).tolist(), round(prior, 4)})
        results = []
        for t in grid:
            thr = np.full(len(codes), t)
            doc_scores = self._document_scores(scored, len(documents), thr)[index]
            results.append((F.sample_f1(Y, doc_scores > 0), float(t)))
        tolerance = 0.5 / max(len(index), 1)
        top = max(f for f, _ in results)
        chosen = min((abs(t - prior), t) for f, t in results if f >= top - tolerance)[1]
        return np.full(len(codes), chosen)

    # ---------------------------------------------------------------------------------------
    def _score(
        self, documents: Sequence[Document], corpus: bool = False, analysed: _Analysed | None = None
    ) -> _Scored:
        if analysed is None:
            analysed = _analyse(documents)
        units, unit_language, groups = analysed.units, analysed.unit_language, analysed.groups
        n_codes = len(self.code_ids_)
        scores = np.zeros((len(units), n_codes))
        features = []
        group_rows = {}
        for language in sorted(groups):
            rows = np.array(groups[language], dtype=np.int64)
            profiles = self._profiles(language)
            matches = analysed.matched.get(language)
            if matches is not None and profiles.generation in matches.matcher.position:
                X = profiles.features_from(matches, analysed.texts[language])
            else:
                X = profiles.features(analysed.texts[language], analysed.terms[language])
            if corpus:
                df = np.bincount(X.indices, minlength=X.shape[1]).astype(np.float64)
                profiles.set_corpus(df, X.shape[0])
            raw = (X @ profiles.matrix).toarray()
            scores[rows] = 1.0 - np.exp(-raw / SCORE_SCALE)
            features.append(X)
            group_rows[language] = rows
        if self.embedder is not None and len(units):
            scores = np.maximum(scores, self._embedding_scores(documents, units, corpus))
        return _Scored(units, unit_language, features, group_rows, scores, analysed)

    def _embedding_scores(self, documents, units, corpus: bool) -> np.ndarray:
        """Cosine similarity of passages to label + description, mapped to [0, 1) on the corpus."""
        if self.code_vectors_ is None:
            profile_texts = [
                f"{code.label_in('en')}. {code.description_in('en')}".strip()
                for code in self.codebook.codes
            ]
            self.code_vectors_ = _unit_rows(np.asarray(self.embedder.encode(profile_texts)))
        unit_texts = [documents[i].text[s:e] for i, s, e, _ in units]
        sims = _unit_rows(np.asarray(self.embedder.encode(unit_texts))) @ self.code_vectors_.T
        if corpus or self.embedding_threshold_ is None:
            self.embedding_threshold_ = F.otsu(sims.ravel())
            self.embedding_spread_ = float(max(sims.std(), 1e-6))
        z = (sims - self.embedding_threshold_) / self.embedding_spread_
        return 0.999 / (1.0 + np.exp(-2.0 * z))

    def _unit_decisions(self, scored: _Scored, thresholds: np.ndarray) -> np.ndarray:
        S = scored.scores
        keep = thresholds[None, :] <= S
        if self.relative and len(S):
            keep &= self.relative * S.max(axis=1, keepdims=True) <= S
        return keep

    def _document_scores(self, scored: _Scored, n_docs: int, thresholds: np.ndarray) -> np.ndarray:
        """Best assigned passage score per document and code (0 when not assigned)."""
        keep = self._unit_decisions(scored, thresholds)
        out = np.zeros((n_docs, len(self.code_ids_)))
        if len(scored.units):
            doc_index = np.array([u[0] for u in scored.units], dtype=np.int64)
            np.maximum.at(out, doc_index, np.where(keep, scored.scores, 0.0))
        return out

    def _check_fitted(self) -> None:
        if not hasattr(self, "thresholds_"):
            raise NotFittedError("call fit(documents) before code(); fit() with no corpus is fine")

    # ---------------------------------------------------------------------------------------
    @pausing
    def code(self, documents: Sequence[Document]) -> list[CodedDocument]:
        self._check_fitted()
        documents = _with_languages(documents)
        out: list[CodedDocument] = []
        for start in range(0, len(documents), self.batch_size):
            out.extend(self._code_batch(documents[start : start + self.batch_size]))
        return out

    def _code_batch(
        self, documents: list[Document], analysed: _Analysed | None = None
    ) -> list[CodedDocument]:
        if analysed is None:
            analysed = _analyse(documents)
        scored = self._score(documents, analysed=analysed)
        keep = self._unit_decisions(scored, self.thresholds_)
        unit_rows, unit_codes = np.nonzero(keep)
        # Each hit's evidence, the (feature, contribution) pairs of its passage for its code, for
        # all hits at once; then Python lists for the per-assignment work, cheaper than numpy on a
        # handful of items.
        starts, ends, columns, contributions = self._hit_terms(scored, unit_rows, unit_codes)
        hit_scores = scored.scores[unit_rows, unit_codes].tolist()
        pairs: dict[tuple[int, int], tuple[list[int], list[float]]] = {}
        units = scored.units
        hit_units = unit_rows.tolist()
        for h, (u, j, value) in enumerate(zip(hit_units, unit_codes.tolist(), hit_scores, strict=True)):
            pair = pairs.get((units[u][0], j))
            if pair is None:
                pairs[(units[u][0], j)] = ([h], [value])
            else:
                pair[0].append(h)
                pair[1].append(value)
        unit_language = scored.unit_language
        by_doc: dict[int, list[CodeAssignment]] = {}
        for (i, j), (hits, values) in pairs.items():
            if len(hits) == 1:
                h = hits[0]
                ranked, score = [hit_units[h]], values[0]
                # A passage holds each feature once: its contributions are the code's terms.
                terms = dict(zip(columns[starts[h] : ends[h]], contributions[starts[h] : ends[h]], strict=True))
            else:
                # Hits of one code come in passage order; the strongest max_spans, back in that order.
                order = sorted(range(len(hits)), key=lambda k: (-values[k], hits[k]))
                chosen = sorted(hits[k] for k in order[: self.max_spans])
                ranked, score = [hit_units[h] for h in chosen], values[order[0]]
                terms = {}
                for h in chosen:
                    for k in range(starts[h], ends[h]):
                        col = columns[k]
                        terms[col] = terms.get(col, 0.0) + contributions[k]
            by_doc.setdefault(i, []).append(
                self._assignment(documents[i], j, ranked, score, terms, unit_language[ranked[0]], units)
            )
        return [
            CodedDocument(
                id=doc.id,
                language=doc.language or "other",
                codes=_sorted_assignments(by_doc.get(i, [])),
            )
            for i, doc in enumerate(documents)
        ]

    def _hit_terms(self, scored: _Scored, unit_rows: np.ndarray, unit_codes: np.ndarray):
        """For each hit (passage ``unit_rows[h]`` assigned code ``unit_codes[h]``), its features with
        a weight for that code and their contributions (term frequency x weight): hit h owns
        ``columns[starts[h]:ends[h]]``, in column order. Returned as lists."""
        n_hits = len(unit_rows)
        starts = np.zeros(n_hits, dtype=np.int64)
        ends = np.zeros(n_hits, dtype=np.int64)
        found_columns: list[np.ndarray] = []
        found_values: list[np.ndarray] = []
        offset = 0
        group_of, row_in_group = scored.analysed.group_of, scored.analysed.row_in_group
        for g, (language, X) in enumerate(zip(sorted(scored.group_rows), scored.features, strict=True)):
            hits = np.flatnonzero(group_of[unit_rows] == g)
            if not len(hits):
                continue
            rows = row_in_group[unit_rows[hits]]
            first = X.indptr[rows].astype(np.int64)
            lengths = X.indptr[rows + 1] - first
            owner = np.repeat(np.arange(len(hits)), lengths)
            position = (
                np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            ) + np.repeat(first, lengths)
            columns = X.indices[position].astype(np.int64)
            weights = (
                np.asarray(self._profiles(language).matrix[columns, unit_codes[hits][owner]]).ravel()
                if len(columns)
                else np.zeros(0)  # (scipy answers an empty look-up with a sparse matrix)
            )
            weighted = weights != 0  # every stored weight is positive
            counts = np.bincount(owner[weighted], minlength=len(hits))
            ends[hits] = offset + np.cumsum(counts)
            starts[hits] = ends[hits] - counts
            offset += int(counts.sum())
            found_columns.append(columns[weighted])
            found_values.append(X.data[position][weighted] * weights[weighted])
        columns_list = np.concatenate(found_columns).tolist() if found_columns else []
        values_list = np.concatenate(found_values).tolist() if found_values else []
        return starts.tolist(), ends.tolist(), columns_list, values_list

    def _assignment(self, doc, j, ranked, score, terms, language, units) -> CodeAssignment:
        profiles = self.profiles_[language]
        source = "lexical"
        if self.embedder is not None:
            lexical = sum(terms.values())
            if score > 1.0 - math.exp(-lexical / SCORE_SCALE) + 1e-9:
                source = "embeddings"
        if len(ranked) == 1:
            unit = units[ranked[0]]
            where = f"passage {unit[3]}"
            spans: tuple[tuple[int, int], ...] = ((unit[1], unit[2]),)
        else:
            where = "passages " + ", ".join(str(units[u][3]) for u in ranked)
            spans = tuple((units[u][1], units[u][2]) for u in ranked)
        named, explanation = profiles.explained(terms, where, source)
        if self.evidence == "term" and named:
            spans = self._term_spans(doc.text, language, spans, profiles, j) or spans
        return CodeAssignment(
            code=self.code_ids_[j],
            score=_r(score),
            spans=spans,
            explanation=explanation,
            source=source,
        )

    def _term_spans(self, text, language, spans, profiles, j) -> tuple[tuple[int, int], ...]:
        """Exact words and phrases behind a code inside its passages."""
        column = profiles.matrix[:, j].toarray().ravel()
        found = []
        for start, end in spans:
            tokens = [t for t in _text.tokens(text[start:end], language) if not t.stop]
            lemmas = [t.lemma for t in tokens]
            longest = max((n for ns in profiles.phrase_starts.values() for n in ns), default=1)
            for i in range(len(tokens)):
                for length in range(min(longest, len(tokens) - i), 0, -1):
                    col = profiles.vocab.get(" ".join(lemmas[i : i + length]))
                    if col is not None and column[col] > 0:
                        found.append((start + tokens[i].start, start + tokens[i + length - 1].end))
                        break
            if profiles.raw_re is not None:
                piece = text[start:end]
                if _nfkc(piece) == piece:  # offsets survive only when normalisation is a no-op
                    for m in profiles.raw_re.finditer(piece):
                        col = profiles.vocab["=" + m.group()]
                        if column[col] > 0:
                            found.append((start + m.start(), start + m.end()))
        return tuple(sorted(set(found)))

    # ---------------------------------------------------------------------------------------
    def _review_margins(self, documents: Sequence[Document]):
        self._check_fitted()
        documents = _with_languages(documents)
        scored = self._score(documents)
        n = len(documents)
        margin = np.full(n, np.inf)
        if len(scored.units):
            doc_index = np.array([u[0] for u in scored.units], dtype=np.int64)
            S = scored.scores
            dist = np.where(S > 0, np.abs(S - self.thresholds_[None, :]), np.inf).min(axis=1)
            np.minimum.at(margin, doc_index, dist)
        margin[np.isinf(margin)] = float(self.thresholds_.max()) if len(self.thresholds_) else 1.0
        return documents, margin, _similarity_features(documents)


@pausing
def code_all(
    coders: Mapping[str, ZeroShotCoder], documents: Sequence[Document], *, n_jobs: int = 1
) -> dict[str, list[CodedDocument]]:
    """Code the same documents against several codebooks, splitting and lemmatising each passage
    once rather than once per codebook: the same results as each coder's ``code``, faster (see
    bench/RESULTS.md, "Scale"). ``n_jobs`` > 1 codes batches in that many processes; the output is
    the same, in the same order."""
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be 1 or more, not {n_jobs}")
    for coder in coders.values():
        coder._check_fitted()
    documents = _with_languages(documents)
    out: dict[str, list[CodedDocument]] = {name: [] for name in coders}
    size = min((coder.batch_size for coder in coders.values()), default=1)
    if n_jobs > 1:
        # Batches small enough that the processes finish together.
        size = max(1, min(size, -(-len(documents) // (n_jobs * PARALLEL_BATCHES_PER_JOB))))
    batches = [documents[start : start + size] for start in range(0, len(documents), size)]
    if n_jobs == 1 or len(batches) < 2:
        results = [_code_all_batch(coders, batch) for batch in batches]
    else:
        results = _code_all_in_processes(coders, batches, n_jobs)
    for part in results:
        for name, items in part.items():
            out[name].extend(items)
    return out


def _code_all_in_processes(
    coders: Mapping[str, ZeroShotCoder], batches: list[list[Document]], n_jobs: int
) -> list[dict[str, list[CodedDocument]]]:
    import multiprocessing
    import threading
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    # fork shares the fitted coders and the batches with the workers without pickling them (a task
    # is then only a batch's number); elsewhere the coders are sent once and each batch with its task.
    forked = "fork" in multiprocessing.get_all_start_methods() and sys.platform == "linux"
    results: list[dict[str, list[CodedDocument]] | None] = [None] * len(batches)
    # One queue for everybody: this process codes from the front, and the workers are handed batches
    # from the back. While many are left each worker holds two, so that it never waits on this
    # process between batches; near the end only one, so that nobody idles behind a held batch.
    waiting = deque(range(len(batches)))
    lock = threading.RLock()  # a future already done runs its callback at once, lock held
    finished: deque = deque()
    all_done = threading.Condition(lock)
    busy = [0]
    workers = n_jobs - 1

    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork" if forked else "spawn"),
        initializer=_set_worker_coders,
        initargs=(coders, batches if forked else None),
    ) as pool:
        _widen_result_pipe(pool)

        def hand_out(done=None) -> None:
            with lock:
                try:
                    if done is not None:
                        finished.append(done)
                        busy[0] -= 1
                    if done is not None and done.exception() is not None:
                        return
                    while waiting and busy[0] < workers * (2 if len(waiting) > 2 * n_jobs else 1):
                        index = waiting.pop()
                        try:
                            future = pool.submit(_code_all_in_worker, index if forked else batches[index])
                        except BaseException:
                            waiting.append(index)  # this process codes it instead
                            raise
                        future.index = index
                        busy[0] += 1  # before the callback, which runs at once if already done
                        future.add_done_callback(hand_out)
                finally:
                    all_done.notify_all()

        hand_out()

        def collect() -> None:
            with lock:
                done = list(finished)
                finished.clear()
            for future in done:
                results[future.index] = {
                    name: [_from_tuple(item) for item in items] for name, items in future.result().items()
                }

        try:
            while True:
                with lock:
                    index = waiting.popleft() if waiting else None
                if index is None:
                    break
                results[index] = _code_all_batch(coders, batches[index])
                collect()
        except BaseException:
            with lock:
                waiting.clear()  # hand nothing more out; the pool winds down on the way out
            raise
        with lock:
            while busy[0]:
                all_done.wait()
        collect()
    return results


PARALLEL_BATCHES_PER_JOB = 8
RESULT_PIPE_BYTES = 1 << 20


def _widen_result_pipe(pool) -> None:
    """Let a worker write a batch's results (1-2 MB) without waiting on this process: through the
    pipe's default 64 KB, each read waited for this process's coding thread to hand over the
    interpreter, and the worker idled about a fifth of its time. Linux only, and best effort: it
    reaches into the executor, and where that fails nothing but the speed changes."""
    try:
        import fcntl

        reader, widen = pool._result_queue._reader.fileno(), fcntl.F_SETPIPE_SZ
    except (ImportError, AttributeError, OSError):
        return
    for size in (RESULT_PIPE_BYTES, RESULT_PIPE_BYTES // 4):  # above the system's cap: EPERM
        try:
            fcntl.fcntl(reader, widen, size)
            return
        except OSError:
            continue


_worker_coders: Mapping[str, ZeroShotCoder] = {}
_worker_batches: list[list[Document]] | None = None


def _set_worker_coders(
    coders: Mapping[str, ZeroShotCoder], batches: list[list[Document]] | None = None
) -> None:
    global _worker_coders, _worker_batches
    _worker_coders, _worker_batches = coders, batches


@pausing
def _code_all_in_worker(batch: list[Document] | int) -> dict[str, list[tuple]]:
    """Plain tuples back to the parent: unpickling frozen dataclasses costs twice as much. ``batch``
    is a batch's number where the worker was forked with the batches."""
    if isinstance(batch, int):
        batch = _worker_batches[batch]
    return {name: [_to_tuple(d) for d in items] for name, items in _code_all_batch(_worker_coders, batch).items()}


def _to_tuple(d: CodedDocument) -> tuple:
    return d.id, d.language, tuple((a.code, a.score, a.spans, a.explanation, a.source) for a in d.codes)


def _from_tuple(item: tuple) -> CodedDocument:
    doc_id, language, codes = item
    return CodedDocument(doc_id, language, tuple(CodeAssignment(*a) for a in codes))


def _code_all_batch(
    coders: Mapping[str, ZeroShotCoder], batch: list[Document]
) -> dict[str, list[CodedDocument]]:
    analysed = _analyse(batch)
    if len(coders) > 1:
        for language, terms in analysed.terms.items():
            matcher = _union_matcher([coder._profiles(language) for coder in coders.values()])
            analysed.matched[language] = matcher.match_all(terms)
    return {name: coder._code_batch(batch, analysed) for name, coder in coders.items()}


def _explained_terms(contributions: dict[int, float], profiles: _Profiles, n: int = 5) -> list:
    """Display names of the strongest matched features; words inside a matched phrase are
    left out (the phrase already names them)."""
    keys = profiles.keys
    if len(contributions) == 1:
        (col,) = contributions
        return [profiles.display[col]]
    in_phrase: set[str] = set()
    for col in contributions:
        key = keys[col]
        if " " in key:
            in_phrase.update(key.split(" "))
        elif key.startswith("="):
            in_phrase.update(keys[c] for c in contributions if keys[c] != key and keys[c] in key)
    ranked = sorted(contributions.items(), key=lambda kv: (-kv[1], keys[kv[0]]))
    names: list[str] = []
    for col, _ in ranked:
        if keys[col] in in_phrase:
            continue
        name = profiles.display[col]
        if name not in names:
            names.append(name)
            if len(names) == n:
                break
    return names


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


# ============================================================================================
# Supervised coding
# ============================================================================================


class SupervisedCoder:
    """Learns the analysts' coding from examples; useful from about 20 coded texts.

    One linear SVM per code on word 1-2-grams and character 2-5-grams (plus embeddings when an
    ``embedder`` is given). Internal ``cv_folds``-fold cross-validation (iterative stratification)
    chooses the regularisation ``C`` from ``c_grid``, calibrates each code's scores (Platt) and
    picks the decision rule: expected-F1 top-k per text, or per-code thresholds. Codes with fewer
    than ``min_positives`` examples are never predicted by the model; when the codebook gives them
    keywords, the zero-shot coder covers them instead (``fallback="zero-shot"``).
    """

    def __init__(
        self,
        codebook: Codebook,
        *,
        seed: int = 0,
        cv_folds: int = 5,
        C: str | float = "auto",
        c_grid: Sequence[float] = (0.5, 2.0),
        decision: str = "auto",
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        min_df: tuple[int, int] = (1, 2),
        class_weight: str | None = None,
        min_positives: int = 2,
        fallback: str = "zero-shot",
        embedder=None,
        embedding_weight: float = 1.0,
        max_spans: int = 3,
    ) -> None:
        self.codebook = codebook
        self.seed = seed
        self.cv_folds = cv_folds
        self.C = C
        self.c_grid = c_grid
        self.decision = decision
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.class_weight = class_weight
        self.min_positives = min_positives
        self.fallback = fallback
        self.embedder = embedder
        self.embedding_weight = embedding_weight
        self.max_spans = max_spans

    # ---------------------------------------------------------------------------------------
    def _matrix(self, texts: Sequence[str], fit: bool = False) -> sparse.csr_matrix:
        X = self.features_.fit_transform(texts) if fit else self.features_.transform(texts)
        if self.embedder is not None:
            X = F.append_dense(
                X, np.asarray(self.embedder.encode(list(texts))), self.embedding_weight
            )
        return X

    def _svm(self, C: float):
        from sklearn.svm import LinearSVC

        return LinearSVC(
            C=C,
            loss="squared_hinge",
            dual=True,
            class_weight=self.class_weight,
            random_state=self.seed,
            max_iter=5000,
        )

    def _fit_columns(self, X, Y: np.ndarray, C: float) -> tuple[np.ndarray, np.ndarray]:
        """One binary SVM per column of Y; columns without both classes get a constant score."""
        n_features = X.shape[1]
        W = np.zeros((Y.shape[1], n_features))
        b = np.zeros(Y.shape[1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for j in range(Y.shape[1]):
                y = Y[:, j]
                positives = int(y.sum())
                if positives == 0 or positives == len(y):
                    b[j] = 1.0 if positives else -1.0
                    continue
                model = self._svm(C).fit(X, y)
                W[j] = model.coef_[0]
                b[j] = model.intercept_[0]
        return W, b

    def fit(
        self, documents: Sequence[Document], labels: Mapping[str, Collection[str]]
    ) -> SupervisedCoder:
        documents = _with_languages(documents)
        if not documents:
            raise ValueError("SupervisedCoder.fit needs coded documents")
        self.code_ids_ = tuple(self.codebook.code_ids)
        index = {c: j for j, c in enumerate(self.code_ids_)}
        Y = np.zeros((len(documents), len(index)), dtype=bool)
        for i, doc in enumerate(documents):
            for c in labels.get(doc.id, ()):
                if c not in index:
                    raise ValueError(
                        f"document {doc.id!r} has code {c!r}, not in codebook {self.codebook.id!r}"
                    )
                Y[i, index[c]] = True
        n = len(documents)
        positives = Y.sum(axis=0)
        self.positives_ = positives.astype(int)
        self.constant_ = positives == n  # coded on every example: always predicted
        self.modelled_ = (positives >= max(2, self.min_positives)) & ~self.constant_
        has_code = Y.any(axis=1)
        self.any_model_ = bool((~has_code).sum() >= 2 and has_code.sum() >= 2)
        self.features_ = F.LexicalFeatures(self.word_ngrams, self.char_ngrams, self.min_df)
        texts = [d.text for d in documents]
        X = self._matrix(texts, fit=True)
        targets = Y[:, self.modelled_]
        if self.any_model_:
            targets = np.column_stack([targets, has_code])
        folds = F.stratified_folds(
            targets if targets.shape[1] else has_code[:, None], self.cv_folds, self.seed
        )
        grid = [float(self.C)] if self.C != "auto" else sorted(float(c) for c in self.c_grid)
        rules = ("ef1", "threshold") if self.decision == "auto" else (self.decision,)
        for rule in rules:
            if rule not in ("ef1", "threshold"):
                raise ValueError(f"decision must be 'auto', 'ef1' or 'threshold', not {rule!r}")
        best = None
        for C in grid:
            oof = np.zeros(targets.shape)
            for f in range(int(folds.max()) + 1 if n else 0):
                train, test = folds != f, folds == f
                if not test.any():
                    continue
                W, b = self._fit_columns(X[train], targets[train], C)
                oof[test] = X[test] @ W.T + b
            ab = np.array([F.platt(oof[:, j], targets[:, j]) for j in range(targets.shape[1])])
            ab = ab.T if len(ab) else np.zeros((2, 0))
            P_all = F.sigmoid_scores(oof, ab) if targets.shape[1] else oof
            for rule in rules:
                pred = self._cv_predictions(P_all, targets, folds, rule, Y)
                f1 = F.sample_f1(Y, pred)
                key = (round(f1, 10), -abs(math.log(C)), rule == "ef1")  # ties: C near 1
                if best is None or key > best[0]:
                    best = (key, C, rule, ab, P_all, pred)
        _, self.C_, self.decision_, ab, P_all, pred = best
        self.platt_ = ab
        n_codes_modelled = int(self.modelled_.sum())
        P_codes = P_all[:, :n_codes_modelled]
        self.thresholds_ = (
            F.tune_thresholds(P_codes, Y[:, self.modelled_]) if n_codes_modelled else np.zeros(0)
        )
        W, b = self._fit_columns(X, targets, self.C_)
        self.coef_, self.intercept_ = W, b
        from synthesis.evaluate import multilabel_scores

        gold = {
            d.id: [self.code_ids_[j] for j in np.flatnonzero(Y[i])] for i, d in enumerate(documents)
        }
        guess = {
            d.id: [self.code_ids_[j] for j in np.flatnonzero(pred[i])]
            for i, d in enumerate(documents)
        }
        self.cv_report_ = multilabel_scores(gold, guess)
        self.cv_params_ = {
            "C": self.C_,
            "decision": self.decision_,
            "folds": int(folds.max()) + 1,
            "modelled_codes": n_codes_modelled,
        }
        self.fallback_ = None
        if self.fallback == "zero-shot":
            rare = [
                code
                for j, code in enumerate(self.codebook.codes)
                if not self.modelled_[j] and not self.constant_[j] and any(code.keywords.values())
            ]
            if rare:
                sub = Codebook(
                    id=self.codebook.id,
                    version=self.codebook.version,
                    title=self.codebook.title,
                    codes=tuple(rare),
                )
                self.fallback_ = ZeroShotCoder(sub, seed=self.seed, expand=0).fit(documents)
        elif self.fallback not in ("never", None):
            raise ValueError(f"fallback must be 'zero-shot' or 'never', not {self.fallback!r}")
        return self

    def _cv_predictions(self, P_all, targets, folds, rule, Y) -> np.ndarray:
        """Out-of-fold code sets for the whole training set; thresholds are cross-fitted."""
        m = int(self.modelled_.sum())
        P_codes, p_any = P_all[:, :m], (P_all[:, m] if self.any_model_ else None)
        full = np.zeros(Y.shape, dtype=bool)
        if rule == "ef1":
            pred = F.decode_ef1(P_codes, p_any)
        else:
            pred = np.zeros(P_codes.shape, dtype=bool)
            for f in range(int(folds.max()) + 1):
                test = folds == f
                if not test.any():
                    continue
                thr = F.tune_thresholds(P_codes[~test], targets[~test, :m])
                pred[test] = F.decode_thresholds(
                    P_codes[test], thr, None if p_any is None else p_any[test]
                )
        full[:, self.modelled_] = pred
        full[:, self.constant_] = True
        return full

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError("call fit(documents, labels) before code()")

    # ---------------------------------------------------------------------------------------
    def _probabilities(self, X) -> tuple[np.ndarray, np.ndarray | None]:
        m = int(self.modelled_.sum())
        S = X @ self.coef_.T + self.intercept_ if self.coef_.shape[0] else np.zeros((X.shape[0], 0))
        P = F.sigmoid_scores(S, self.platt_) if S.shape[1] else S
        return P[:, :m], (P[:, m] if self.any_model_ else None)

    def predict_proba(self, documents: Sequence[Document]) -> np.ndarray:
        """Calibrated probability per document and code (codebook order; 0 = not modelled)."""
        self._check_fitted()
        X = self._matrix([d.text for d in documents])
        P_codes, _ = self._probabilities(X)
        out = np.zeros((len(documents), len(self.code_ids_)))
        out[:, self.modelled_] = P_codes
        out[:, self.constant_] = 1.0
        return out

    @pausing
    def code(self, documents: Sequence[Document]) -> list[CodedDocument]:
        self._check_fitted()
        documents = _with_languages(documents)
        if not documents:
            return []
        X = self._matrix([d.text for d in documents])
        P_codes, p_any = self._probabilities(X)
        if self.decision_ == "ef1":
            pred = F.decode_ef1(P_codes, p_any)
        else:
            pred = F.decode_thresholds(P_codes, self.thresholds_, p_any)
        modelled = np.flatnonzero(self.modelled_)
        constant = np.flatnonzero(self.constant_)
        fallback = self.fallback_.code(documents) if self.fallback_ is not None else None
        evidence = self._evidence(documents, X, pred, modelled)
        source = "embeddings" if self.embedder is not None else "supervised"
        out = []
        for i, doc in enumerate(documents):
            assignments = []
            for k in np.flatnonzero(pred[i]):
                j = int(modelled[k])
                spans, explanation = evidence[(i, int(k))]
                assignments.append(
                    CodeAssignment(
                        code=self.code_ids_[j],
                        score=_r(P_codes[i, k]),
                        spans=spans,
                        explanation=explanation,
                        source=source,
                    )
                )
            for j in constant:
                spans = tuple(_passage_spans(doc.text, doc.language)[: self.max_spans])
                assignments.append(
                    CodeAssignment(
                        code=self.code_ids_[j],
                        score=1.0,
                        spans=spans,
                        explanation="every coded example has this code",
                        source=source,
                    )
                )
            if fallback is not None:
                assignments.extend(fallback[i].codes)
            out.append(
                CodedDocument(
                    id=doc.id,
                    language=doc.language or "other",
                    codes=_sorted_assignments(assignments),
                )
            )
        return out

    def _evidence(self, documents, X, pred, modelled) -> dict:
        """Spans (best passages by the code's own model) and the strongest word features."""
        names = self.features_.feature_names_
        is_word = self.features_.is_word_feature()
        n_lex = len(names)
        quality = self.cv_report_.get("sample_f1")
        out = {}
        multi: list[tuple[int, int, int, int]] = []  # (doc, k, start, end)
        doc_passages = {}
        for i in np.flatnonzero(pred.any(axis=1)):
            doc = documents[i]
            spans = _passage_spans(doc.text, doc.language)
            doc_passages[int(i)] = spans
            if len(spans) > 1:
                for k in np.flatnonzero(pred[i]):
                    for s, e in spans:
                        multi.append((int(i), int(k), s, e))
        passage_scores = {}
        if multi:
            unique = sorted({(i, s, e) for i, _, s, e in multi})
            row_of = {key: r for r, key in enumerate(unique)}
            Xp = self._matrix([documents[i].text[s:e] for i, s, e in unique])
            for i, k, s, e in multi:
                r = row_of[(i, s, e)]
                passage_scores[(i, k, s)] = float(
                    (Xp[r] @ self.coef_[k]).item() + self.intercept_[k]
                )
        for i, spans_all in doc_passages.items():
            row = X[i]
            for k in np.flatnonzero(pred[i]):
                k = int(k)
                if len(spans_all) > 1:
                    ranked = sorted(
                        spans_all, key=lambda se: (-passage_scores[(i, k, se[0])], se[0])
                    )
                    positive = [se for se in ranked if passage_scores[(i, k, se[0])] > 0]
                    chosen = sorted((positive or ranked[:1])[: self.max_spans])
                else:
                    chosen = list(spans_all)
                cols = row.indices
                contrib = row.data * self.coef_[k, cols]
                lexical = cols < n_lex
                words = [
                    (float(c), names[col][2:])
                    for col, c in zip(cols, contrib, strict=True)
                    if c > 0 and col < n_lex and is_word[col]
                ]
                if not words:
                    words = [
                        (float(c), names[col][2:].strip())
                        for col, c in zip(cols[lexical], contrib[lexical], strict=True)
                        if c > 0
                    ]
                words.sort(key=lambda wc: (-wc[0], wc[1]))
                top = [w for _, w in words[:4]]
                numbers = [spans_all.index(se) + 1 for se in chosen]
                where = "passage" if len(numbers) == 1 else "passages"
                text = "learned from coded examples"
                if top:
                    text += f": strongest terms {', '.join(_quote(t) for t in top)}"
                text += f"; {where} {', '.join(map(str, numbers))}"
                if quality is not None:
                    text += f"; cross-validated sample F1 {quality:.2f}"
                out[(i, k)] = (tuple(chosen), text)
        return out

    def _review_margins(self, documents: Sequence[Document]):
        self._check_fitted()
        documents = _with_languages(documents)
        X = self._matrix([d.text for d in documents])
        P_codes, p_any = self._probabilities(X)
        if P_codes.shape[1]:
            margin = np.abs(P_codes - self.thresholds_[None, :]).min(axis=1)
        else:
            margin = np.ones(len(documents))
        if p_any is not None:
            margin = np.minimum(margin, np.abs(p_any - 0.5))
        return documents, margin, X

    # ---------------------------------------------------------------------------------------
    def get_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """Plain JSON-able parameters and numpy arrays; see ``synthesis.io.save_model``."""
        self._check_fitted()
        feature_meta, feature_arrays = self.features_.get_state()
        meta = {
            "kind": "supervised",
            "params": {
                "seed": self.seed,
                "cv_folds": self.cv_folds,
                "C": self.C,
                "c_grid": list(self.c_grid),
                "decision": self.decision,
                "word_ngrams": list(self.word_ngrams),
                "char_ngrams": list(self.char_ngrams),
                "min_df": list(self.min_df),
                "class_weight": self.class_weight,
                "min_positives": self.min_positives,
                "fallback": self.fallback,
                "embedding_weight": self.embedding_weight,
                "max_spans": self.max_spans,
            },
            "embedder": None if self.embedder is None else type(self.embedder).__name__,
            "codebook": self.codebook.to_dict(),
            "code_ids": list(self.code_ids_),
            "C_": self.C_,
            "decision_": self.decision_,
            "any_model_": self.any_model_,
            "cv_report_": self.cv_report_,
            "cv_params_": self.cv_params_,
            "features": feature_meta,
            "fallback_threshold": (
                None if self.fallback_ is None else [float(t) for t in self.fallback_.thresholds_]
            ),
            "fallback_documents": None,
        }
        arrays = {
            "coef": self.coef_,
            "intercept": self.intercept_,
            "platt": self.platt_,
            "thresholds": self.thresholds_,
            "positives": self.positives_,
            "modelled": self.modelled_,
            "constant": self.constant_,
        }
        for key, value in feature_arrays.items():
            arrays[f"features_{key}"] = value
        if self.fallback_ is not None:
            for language, profiles in sorted(self.fallback_.profiles_.items()):
                arrays[f"fallback_factor_{language}"] = profiles.corpus_factor
        return meta, arrays

    @classmethod
    def from_state(
        cls, meta: Mapping, arrays: Mapping[str, np.ndarray], embedder=None
    ) -> SupervisedCoder:
        if meta.get("kind") != "supervised":
            raise ValueError("not a supervised coder model")
        if meta.get("embedder") and embedder is None:
            raise ValueError(
                f"this model was trained with embeddings ({meta['embedder']}); pass the embedder"
            )
        params = dict(meta["params"])
        for key in ("c_grid", "word_ngrams", "char_ngrams", "min_df"):
            params[key] = tuple(params[key])
        self = cls(Codebook.from_dict(meta["codebook"]), embedder=embedder, **params)
        self.code_ids_ = tuple(meta["code_ids"])
        self.C_ = meta["C_"]
        self.decision_ = meta["decision_"]
        self.any_model_ = bool(meta["any_model_"])
        self.cv_report_ = meta["cv_report_"]
        self.cv_params_ = meta["cv_params_"]
        self.coef_ = np.asarray(arrays["coef"], dtype=np.float64)
        self.intercept_ = np.asarray(arrays["intercept"], dtype=np.float64)
        self.platt_ = np.asarray(arrays["platt"], dtype=np.float64).reshape(2, -1)
        self.thresholds_ = np.asarray(arrays["thresholds"], dtype=np.float64)
        self.positives_ = np.asarray(arrays["positives"])
        self.modelled_ = np.asarray(arrays["modelled"], dtype=bool)
        self.constant_ = np.asarray(arrays["constant"], dtype=bool)
        feature_arrays = {
            k[len("features_") :]: v for k, v in arrays.items() if k.startswith("features_")
        }
        self.features_ = F.LexicalFeatures.from_state(meta["features"], feature_arrays)
        self.fallback_ = None
        if meta.get("fallback_threshold") is not None:
            rare = [
                code
                for j, code in enumerate(self.codebook.codes)
                if not self.modelled_[j] and not self.constant_[j] and any(code.keywords.values())
            ]
            sub = Codebook(
                id=self.codebook.id,
                version=self.codebook.version,
                title=self.codebook.title,
                codes=tuple(rare),
            )
            zero = ZeroShotCoder(sub, seed=self.seed, expand=0).fit(())
            zero.thresholds_ = np.asarray(meta["fallback_threshold"], dtype=np.float64)
            for key, value in arrays.items():
                if key.startswith("fallback_factor_"):
                    profiles = zero._profiles(key[len("fallback_factor_") :])
                    profiles.corpus_factor = np.asarray(value, dtype=np.float64)
                    profiles.matrix = sparse.csr_matrix(
                        sparse.diags(profiles.corpus_factor) @ profiles.base
                    )
            self.fallback_ = zero
        return self


# ============================================================================================
# Active learning
# ============================================================================================


def _similarity_features(documents: Sequence[Document]) -> sparse.csr_matrix:
    """Character n-gram tf-idf of the texts, for telling near-identical texts apart."""
    if not documents:
        return sparse.csr_matrix((0, 0))
    return F.LexicalFeatures(word_ngrams=(1, 1), char_ngrams=(3, 4)).fit_transform(
        [d.text for d in documents]
    )


def suggest_for_review(
    coder, documents: Sequence[Document], k: int = 20, max_similarity: float = 0.8
) -> list[str]:
    """Ids of the texts an analyst should code next.

    Uncertainty sampling: texts whose calibrated scores sit closest to a decision threshold
    come first; a text too similar (cosine > ``max_similarity``) to one already picked is
    skipped, so that one batch does not ask the same question k times. Deterministic: ties go
    to the smaller id.
    """
    if k <= 0 or not documents:
        return []
    documents, margin, X = coder._review_margins(documents)
    order = sorted(
        range(len(documents)), key=lambda i: (round(float(margin[i]), 6), documents[i].id)
    )
    X = F._l2(X) if X.shape[1] else X
    picked: list[int] = []
    skipped: list[int] = []
    for i in order:
        if len(picked) >= k:
            break
        if picked and X.shape[1]:
            sims = (X[picked] @ X[i].T).toarray().ravel()
            if sims.max() > max_similarity:
                skipped.append(i)
                continue
        picked.append(i)
    for i in skipped:
        if len(picked) >= k:
            break
        picked.append(i)
    return [documents[i].id for i in picked]
