"""The content of a Preliminary Results report, as data.

Reports are data first: this module decides what a report says (sections, findings with counts,
breakdowns and evidence quotes, methods and caveats) and nothing about how it looks. The Django
``reporting`` app renders the same objects to HTML, PDF, DOCX and XLSX, so every format tells the
same story.

Quotes are references ``(document id, span)`` only, never copied text, and only from documents
the caller allows to be quoted (consent to publish): by default nothing is quotable.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from synthesis.aggregate import DEFAULT_KEYS, CrossTab, aggregate
from synthesis.text import LANGUAGES, Document, passages

Quotable = Callable[[str], bool] | Collection[str] | None


@dataclass(frozen=True)
class QuoteRef:
    document: str
    span: tuple[int, int]  # text[start:end] of that document is the quote


@dataclass(frozen=True)
class GroupCount:
    group: str
    size: int  # documents in the group
    count: int  # of which mention the finding
    share: float


@dataclass(frozen=True)
class Finding:
    code: str
    label: str
    count: int
    share: float
    breakdowns: Mapping[str, tuple[GroupCount, ...]] = field(default_factory=dict)
    quotes: tuple[QuoteRef, ...] = ()
    kinds: Mapping[str, int] = field(default_factory=dict)  # achievement/challenge/recommendation
    description: str = ""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DuplicateSummary:
    kind: str  # "exact" | "near" | "campaign"
    groups: int
    documents: int  # documents in such groups
    largest: int


@dataclass(frozen=True)
class Methods:
    n_documents: int
    languages: Mapping[str, int]  # language -> documents, in UN order then "other"
    capability: str  # e.g. "lexical", "supervised", "embeddings", "llm"
    parameters: Mapping[str, Any]
    unassigned_share: float | None  # discovery: share of texts in no theme
    duplicates: tuple[DuplicateSummary, ...]
    caveats: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    title: str
    language: str
    sections: tuple[Section, ...]
    methods: Methods


def quotable_predicate(quotable: Quotable) -> Callable[[str], bool]:
    """A predicate from a predicate, a collection of allowed ids, or None (nothing quotable)."""
    if quotable is None:
        return lambda _doc_id: False
    if callable(quotable):
        return quotable
    allowed = frozenset(str(doc_id) for doc_id in quotable)
    return lambda doc_id: doc_id in allowed


def _assignments(doc: Any) -> list[tuple[str, float, tuple[tuple[int, int], ...]]]:
    items = doc["codes"] if isinstance(doc, Mapping) else doc.codes
    out = []
    for item in items:
        if isinstance(item, Mapping):
            out.append(
                (
                    str(item["code"]),
                    float(item.get("score", 0.0)),
                    tuple(tuple(s) for s in item.get("spans", ())),
                )
            )
        else:
            out.append(
                (
                    str(item.code),
                    float(getattr(item, "score", 0.0)),
                    tuple(tuple(s) for s in getattr(item, "spans", ())),
                )
            )
    return out


def _doc_id(doc: Any) -> str:
    return str(doc["id"] if isinstance(doc, Mapping) else doc.id)


def _sentence_around(text: str | None, span: tuple[int, int]) -> tuple[int, int]:
    """The sentence(s) containing the evidence: a keyword alone is no quote."""
    if text is None:
        return span
    start, end = span
    covering = [p for p in passages(text) if p.start < end and p.end > start]
    if not covering:
        return span
    return covering[0].start, covering[-1].end


def _excluded_copies(duplicate_groups: Sequence[Any]) -> frozenset[str]:
    """Members other than the representative: quoting one copy of a campaign is enough."""
    out: set[str] = set()
    for group in duplicate_groups:
        out.update(m for m in group.members if m != group.representative)
    return frozenset(out)


def code_section(
    section_id: str,
    title: str,
    codebook: Any,
    coded: Sequence[Any],
    documents: Sequence[Document],
    *,
    quotable: Quotable = None,
    language: str = "en",
    by: Sequence[str] = DEFAULT_KEYS,
    max_quotes: int = 3,
    min_count: int = 1,
    kinds: CrossTab | None = None,
    duplicate_groups: Sequence[Any] = (),
    notes: Sequence[str] = (),
) -> Section:
    """Findings for the codes of one codebook, most mentioned first.

    Quotes are the sentences around the best-scored evidence of each code, one per document,
    from quotable documents only, skipping extra copies of duplicates and campaigns.
    """
    allowed = quotable_predicate(quotable)
    texts = {d.id: d.text for d in documents}
    agg = aggregate(coded, documents, by=by, codes=list(codebook.code_ids))
    skip = _excluded_copies(duplicate_groups)
    candidates: dict[str, list[tuple[float, str, tuple[int, int]]]] = {}
    for doc in coded:
        doc_id = _doc_id(doc)
        if doc_id in skip or not allowed(doc_id):
            continue
        for code, score, spans in _assignments(doc):
            if spans:
                best = min(spans)
                candidates.setdefault(code, []).append((score, doc_id, best))
    findings = []
    for total in agg.codes:
        if total.count < min_count:
            continue
        code = codebook.code(total.code) if total.code in codebook else None
        ranked = sorted(candidates.get(total.code, []), key=lambda c: (-c[0], c[1], c[2]))
        quotes = tuple(
            QuoteRef(document=doc_id, span=_sentence_around(texts.get(doc_id), span))
            for _score, doc_id, span in ranked[:max_quotes]
        )
        breakdowns = {
            key: tuple(
                GroupCount(
                    group=group,
                    size=breakdown.sizes[group],
                    count=breakdown.counts[total.code][group],
                    share=breakdown.shares[total.code][group],
                )
                for group in breakdown.groups
            )
            for key, breakdown in agg.breakdowns.items()
        }
        findings.append(
            Finding(
                code=total.code,
                label=code.label_in(language) if code else total.code,
                description=code.description_in(language) if code else "",
                count=total.count,
                share=total.share,
                breakdowns=breakdowns,
                quotes=quotes,
                kinds=dict(kinds.counts.get(total.code, {})) if kinds is not None else {},
            )
        )
    return Section(id=section_id, title=title, findings=tuple(findings), notes=tuple(notes))


def theme_section(
    section_id: str,
    title: str,
    result: Any,
    n_documents: int,
    *,
    quotable: Quotable = None,
    max_quotes: int = 3,
    notes: Sequence[str] = (),
) -> Section:
    """Candidate themes from discovery (``DiscoveryResult``), for analysts to review and name."""
    allowed = quotable_predicate(quotable)
    findings = []
    for theme in result.themes:
        quotes = tuple(
            QuoteRef(document=str(q.id), span=tuple(q.span))
            for q in theme.quotes
            if allowed(str(q.id))
        )[:max_quotes]
        findings.append(
            Finding(
                code=theme.id,
                label=theme.label,
                description=", ".join(theme.keywords),
                count=theme.size,
                share=round(theme.size / n_documents, 4) if n_documents else 0.0,
                quotes=quotes,
            )
        )
    return Section(id=section_id, title=title, findings=tuple(findings), notes=tuple(notes))


def _language_counts(languages: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for language in languages:
        counts[language] = counts.get(language, 0) + 1
    order = [*LANGUAGES, "other"]
    return {
        lang: counts[lang]
        for lang in sorted(counts, key=lambda x: (order.index(x) if x in order else 99, x))
    }


def duplicate_summary(duplicate_groups: Sequence[Any]) -> tuple[DuplicateSummary, ...]:
    out = []
    for kind in ("exact", "near", "campaign"):
        groups = [g for g in duplicate_groups if g.kind == kind]
        if groups:
            out.append(
                DuplicateSummary(
                    kind=kind,
                    groups=len(groups),
                    documents=len({m for g in groups for m in g.members}),
                    largest=max(len(g.members) for g in groups),
                )
            )
    return tuple(out)


def methods_section(
    languages: Sequence[str],
    *,
    capability: str,
    parameters: Mapping[str, Any] | None = None,
    unassigned_share: float | None = None,
    duplicate_groups: Sequence[Any] = (),
    caveats: Sequence[str] = (),
) -> Methods:
    """Methods and caveats: what was run, on what, and what a reader should keep in mind.

    Standard caveats are added from the data (machine coding, campaigns, languages outside the
    six, small numbers, themes left unassigned) before the caller's own.
    """
    language_counts = _language_counts(languages)
    summary = duplicate_summary(duplicate_groups)
    n = len(languages)
    notes = [
        f"Codes were assigned automatically ({capability}); counts are preliminary until "
        "reviewed by analysts."
    ]
    if summary:
        notes.append(
            "Duplicates and campaign responses are counted, not removed: "
            + "; ".join(f"{s.groups} {s.kind} group(s), {s.documents} responses" for s in summary)
            + "."
        )
    if language_counts.get("other"):
        notes.append(
            f"{language_counts['other']} response(s) were in languages outside the six UN "
            "languages and were analysed without language-specific resources."
        )
    if 0 < n < 30:
        notes.append(f"Only {n} responses: shares are indicative, not representative.")
    if unassigned_share:
        notes.append(
            f"{unassigned_share:.0%} of responses fit no candidate theme and need reading."
        )
    notes.extend(caveats)
    return Methods(
        n_documents=n,
        languages=language_counts,
        capability=capability,
        parameters=dict(sorted((parameters or {}).items())),
        unassigned_share=unassigned_share,
        duplicates=summary,
        caveats=tuple(notes),
    )


def preliminary_results(
    title: str,
    sections: Sequence[Section],
    methods: Methods,
    *,
    language: str = "en",
) -> Report:
    """Assemble a report; sections keep the caller's order."""
    ids = [s.id for s in sections]
    if len(set(ids)) != len(ids):
        raise ValueError(f"section ids must be unique, got {ids}")
    return Report(title=title, language=language, sections=tuple(sections), methods=methods)
