"""Breakdowns of coded documents: how many mention each code, overall and per group.

Input is whatever the coders return (``synthesis.coding.CodedDocument``: anything with ``.id`` and
``.codes[].code``; the JSON objects of ``synthesis code`` work too) plus document meta. Output is
plain frozen dataclasses with a deterministic order, ready for ``synthesis.report`` or a chart.
Shares are of documents in the group (a document mentioning a code twice counts once), rounded to
4 decimals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from synthesis._gc import pausing
from synthesis.text import Document, passages

DEFAULT_KEYS = ("stakeholder_type", "region", "language", "question")
KINDS = ("achievement", "challenge", "recommendation")
UNKNOWN = "unknown"


@dataclass(frozen=True)
class CodeCount:
    code: str
    count: int  # documents with the code
    share: float  # of all documents


@dataclass(frozen=True)
class Breakdown:
    """Counts of one code dimension against one meta key (e.g. stakeholder_type)."""

    key: str
    groups: tuple[str, ...]  # sorted by size desc, then name; "unknown" last
    sizes: Mapping[str, int]  # documents per group
    counts: Mapping[str, Mapping[str, int]]  # code -> group -> documents with the code
    shares: Mapping[str, Mapping[str, float]]  # code -> group -> count / group size


@dataclass(frozen=True)
class Aggregation:
    n_documents: int
    codes: tuple[CodeCount, ...]  # by count desc, then code order given (or id)
    uncoded: int  # documents with no code at all
    breakdowns: Mapping[str, Breakdown]  # by meta key, in the order asked


@dataclass(frozen=True)
class CrossTab:
    """How often each code comes with each kind (achievement, challenge, recommendation)."""

    kinds: tuple[str, ...]
    codes: tuple[str, ...]
    counts: Mapping[str, Mapping[str, int]]  # code -> kind -> documents where they go together
    code_totals: Mapping[str, int]  # code -> documents with the code and any kind
    level: str  # the rule: "document" (same answer) or "passage" (same sentence)


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def _doc_id(coded: Any) -> str:
    return str(coded["id"] if isinstance(coded, Mapping) else coded.id)


def _items(coded: Any) -> Sequence[Any]:
    """A coded document's assignments: code ids, JSON objects or objects with ``.code``."""
    return coded["codes"] if isinstance(coded, Mapping) else coded.codes


def _code_of(item: Any) -> str:
    if isinstance(item, str):
        return item
    return str(item["code"] if isinstance(item, Mapping) else item.code)


def _spans_of(item: Any) -> tuple[tuple[int, int], ...]:
    if isinstance(item, str):
        return ()
    spans = item.get("spans", ()) if isinstance(item, Mapping) else getattr(item, "spans", ())
    return tuple(tuple(span) for span in spans)


def _assignments(coded: Any) -> list[tuple[str, tuple[tuple[int, int], ...]]]:
    """(code, spans) pairs of a coded document, whatever its shape."""
    return [(_code_of(item), _spans_of(item)) for item in _items(coded)]


def _ordered_codes(found: Iterable[str], codes: Sequence[str] | None) -> list[str]:
    order = list(codes) if codes is not None else []
    extra = sorted(set(found) - set(order))
    return order + extra


@pausing
def aggregate(
    coded: Iterable[Any],
    documents: Sequence[Document] | Mapping[str, Mapping[str, str]] | None = None,
    *,
    by: Sequence[str] = DEFAULT_KEYS,
    codes: Sequence[str] | None = None,
) -> Aggregation:
    """Counts and shares per code, overall and broken down by each meta key in ``by``.

    ``documents`` gives the meta (a list of Documents, or ``{id: meta}``); the language comes from
    the document or, failing that, from the coded document. ``codes`` fixes the code order and
    makes codes that nobody mentioned appear with zero (pass ``codebook.code_ids``). Documents
    without a value for a key are grouped as "unknown".
    """
    by = tuple(by)
    return _aggregate(coded, _base_groups(documents, by), by, codes)


@pausing
def aggregate_many(
    codings: Mapping[str, Iterable[Any]],
    documents: Sequence[Document] | Mapping[str, Mapping[str, str]] | None = None,
    *,
    by: Sequence[str] = DEFAULT_KEYS,
    codes: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Aggregation]:
    """``aggregate`` for several codings of the same documents (one per codebook, keyed by name; ``codes``
    by the same names): the same results, with the documents' groups read once for all of them. Each
    coding is read once, in turn, so it may be a generator: a million coded documents need not all be
    built as objects at the same time."""
    by = tuple(by)
    base = _base_groups(documents, by)
    return {
        name: _aggregate(coded, base, by, (codes or {}).get(name)) for name, coded in codings.items()
    }


def _aggregate(
    coded: Iterable[Any],
    base: dict[str, tuple[str | None, ...]],
    by: tuple[str, ...],
    codes: Sequence[str] | None,
) -> Aggregation:
    # One pass over the documents into (codes, groups) combinations, then every count from those: a
    # million documents make a few thousand combinations.
    at = by.index("language") if "language" in by else None
    sets: dict[str, frozenset[str]] = {}  # coded twice: the last counts
    # One frozenset per distinct set of codes, shared: a million documents hold a few hundred sets.
    same: dict[frozenset[str], frozenset[str]] = {}
    detected: dict[str, str] = {}  # the coder's language, for documents whose own is not known
    for doc in coded:
        doc_id = _doc_id(doc)
        codeset = frozenset(map(_code_of, _items(doc)))
        sets[doc_id] = same.setdefault(codeset, codeset)
        if at is not None:
            language = doc.get("language") if isinstance(doc, Mapping) else getattr(doc, "language", None)
            if language:
                row = base.get(doc_id)
                if row is None or row[at] is None:
                    detected.setdefault(doc_id, str(language))
    missing = (None,) * len(by)
    combos: dict[tuple[frozenset[str], tuple[str | None, ...]], int] = {}
    for doc_id, codeset in sets.items():
        row = base.get(doc_id, missing)
        if at is not None and doc_id in detected:
            row = row[:at] + (detected[doc_id],) + row[at + 1 :]
        combo = (codeset, row)
        combos[combo] = combos.get(combo, 0) + 1
    n = len(sets)
    all_codes = _ordered_codes({c for codeset, _ in combos for c in codeset}, codes)
    position = {code: i for i, code in enumerate(all_codes)}
    totals = dict.fromkeys(all_codes, 0)
    uncoded = 0
    for (codeset, _), count in combos.items():
        for code in codeset:
            totals[code] += count
        if not codeset:
            uncoded += count
    code_counts = tuple(
        CodeCount(code=code, count=totals[code], share=_share(totals[code], n))
        for code in sorted(all_codes, key=lambda c: (-totals[c], position[c]))
    )
    breakdowns = {}
    for k, key in enumerate(by):
        sizes: dict[str, int] = {}
        counts: dict[str, dict[str, int]] = {code: {} for code in all_codes}
        for (codeset, values), count in combos.items():
            group = values[k] if values[k] is not None else UNKNOWN
            sizes[group] = sizes.get(group, 0) + count
            for code in codeset:
                counts[code][group] = counts[code].get(group, 0) + count
        groups = tuple(sorted(sizes, key=lambda g: (g == UNKNOWN, -sizes[g], g)))
        full = {code: {g: counts[code].get(g, 0) for g in groups} for code in all_codes}
        breakdowns[key] = Breakdown(
            key=key,
            groups=groups,
            sizes={g: sizes[g] for g in groups},
            counts=full,
            shares={
                code: {g: _share(full[code][g], sizes[g]) for g in groups} for code in all_codes
            },
        )
    return Aggregation(n_documents=n, codes=code_counts, uncoded=uncoded, breakdowns=breakdowns)


def _base_groups(
    documents: Sequence[Document] | Mapping[str, Mapping[str, str]] | None, by: tuple[str, ...]
) -> dict[str, tuple[str | None, ...]]:
    """Each document's value for each key of ``by`` (its language for "language" when its meta has
    none); None where it has none."""

    def values(meta: Mapping[str, Any], language: str | None) -> tuple[str | None, ...]:
        out: list[str | None] = []
        for key in by:
            value = meta.get(key)
            if value is None or value == "":
                value = language if key == "language" and language else None
            out.append(None if value is None else str(value))
        return tuple(out)

    if isinstance(documents, Mapping):
        return {str(doc_id): values(meta, None) for doc_id, meta in documents.items()}
    if documents is None:
        return {}
    return {document.id: values(document.meta, document.language) for document in documents}


def _sentence_of(spans: Iterable[tuple[int, int]], bounds: list[tuple[int, int]]) -> set[int]:
    out = set()
    for start, end in spans:
        for index, (s, e) in enumerate(bounds):
            if start < e and end > s:
                out.add(index)
    return out


def cross_tab(
    coded: Sequence[Any],
    kinds: Sequence[Any],
    *,
    codes: Sequence[str] | None = None,
    kind_ids: Sequence[str] = KINDS,
    texts: Mapping[str, str] | None = None,
) -> CrossTab:
    """Code × kind table from two coding results of the same documents.

    By default a code and a kind go together when the same document has both. With ``texts``
    (``{id: text}``), they go together only when their evidence spans fall in the same sentence,
    so "broadband improved, but cybercrime grew" credits the achievement to the right code;
    a document whose spans are missing falls back to the document rule.
    """
    kind_map = {_doc_id(doc): _assignments(doc) for doc in kinds}
    code_map = {_doc_id(doc): _assignments(doc) for doc in coded}
    all_codes = _ordered_codes({c for a in code_map.values() for c, _ in a}, codes)
    all_kinds = _ordered_codes({k for a in kind_map.values() for k, _ in a}, kind_ids)
    counts = {code: dict.fromkeys(all_kinds, 0) for code in all_codes}
    code_totals = dict.fromkeys(all_codes, 0)
    for doc_id in sorted(code_map):
        doc_codes = code_map[doc_id]
        doc_kinds = kind_map.get(doc_id, [])
        if not doc_codes or not doc_kinds:
            continue
        pairs: set[tuple[str, str]] = set()
        text = texts.get(doc_id) if texts is not None else None
        spans_known = all(s for _, s in doc_codes) and all(s for _, s in doc_kinds)
        if text is not None and spans_known:
            bounds = [(p.start, p.end) for p in passages(text)]
            kind_sentences = [(k, _sentence_of(s, bounds)) for k, s in doc_kinds]
            for code, spans in doc_codes:
                where = _sentence_of(spans, bounds)
                for kind, kind_where in kind_sentences:
                    if where & kind_where:
                        pairs.add((code, kind))
        else:
            pairs = {(code, kind) for code, _ in doc_codes for kind, _ in doc_kinds}
        for code, kind in pairs:
            counts[code][kind] += 1
        for code in {code for code, _ in pairs}:
            code_totals[code] += 1
    return CrossTab(
        kinds=tuple(all_kinds),
        codes=tuple(all_codes),
        counts=counts,
        code_totals=code_totals,
        level="passage" if texts is not None else "document",
    )
