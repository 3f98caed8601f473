"""The content of a call's Preliminary Results, built by ``synthesis.report`` from a run's reviewed state.

This module gathers what the report says (as data): the synthesis ``Report`` with its sections and
findings, the participation figures, the timeline, and every quote resolved to its text and its public
link. ``consulta.reporting`` turns a ``ReportBundle`` into HTML, PDF, DOCX and XLSX without deciding
anything about content.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.urls import reverse

from consulta.analysis import adapter
from consulta.analysis.models import AnalysisRun, Theme
from consulta.analysis.services import reviewed_share
from consulta.calls.models import Call
from consulta.publication.models import Contribution
from consulta.submissions.models import SubmissionVersion
from consulta.submissions.selectors import submissions_received
from synthesis import report as content
from synthesis.aggregate import cross_tab

# (section id, English title, codebook, questions the findings draw on or None for all, kind filter)
SECTIONS = (
    ("achievements", "Achievements", "wsis-action-lines", None, "achievement"),
    ("strengthening", "Strengthening the WSIS process", "wsis-action-lines", ("beyond_2025", "action_lines_review"), "recommendation"),
    ("trends", "Emerging digital trends", "trends", None, None),
    ("challenges", "Challenges", "challenges", None, None),
    ("action_lines", "WSIS Action Lines", "wsis-action-lines", None, None),
    ("sdgs", "Sustainable Development Goals", "sdgs", None, None),
)


@dataclass(frozen=True)
class ResolvedQuote:
    text: str
    reference: str
    url: str
    language: str


@dataclass
class ReportBundle:
    call: Call
    run: AnalysisRun
    report: content.Report
    participation: dict[str, list[tuple[str, int]]]
    received: int
    published: int
    timeline: list[dict[str, Any]]
    quotes: dict[tuple[str, str, tuple[int, int]], ResolvedQuote]
    reviewed_share: float
    generated_at: datetime
    themes: list[dict[str, Any]] = field(default_factory=list)
    heatmap: dict[str, Any] = field(default_factory=dict)


def _quotable(run: AnalysisRun) -> set[str]:
    """Responses published as they were analysed: only those may be quoted (as version ids)."""
    return {
        str(v)
        for v in Contribution.objects.filter(call=run.call, state=Contribution.State.PUBLISHED)
        .exclude(published_version=None)
        .values_list("published_version_id", flat=True)
    }


def _resolve(refs, documents) -> dict:
    """Quote references as text and a public link, keyed by (section id, document id, span)."""
    published = dict(
        Contribution.objects.filter(state=Contribution.State.PUBLISHED).values_list("published_version_id", "reference")
    )
    resolved = {}
    for section_id, ref in refs:
        version_id = int(ref.document)
        doc = documents.get((section_id, ref.document))
        if version_id not in published or doc is None:
            continue  # never quote what is not public
        text, language = doc.text, doc.language or ""
        start, end = ref.span
        resolved[(section_id, ref.document, tuple(ref.span))] = ResolvedQuote(
            text=text[start:end],
            reference=published[version_id],
            url=reverse("contribution-detail", args=[published[version_id]]),
            language=language or "",
        )
    return resolved


def report_bundle(*, run: AnalysisRun, language: str = "en") -> ReportBundle:
    call = run.call
    versions = sorted(v for ids in run.chunks.values_list("version_ids", flat=True) for v in ids)
    quotable = _quotable(run)
    duplicates = [
        _Group(g.kind, tuple(str(m) for m in g.members.values_list("pk", flat=True)), str(g.representative_id))
        for g in run.duplicate_groups.all()
    ]
    sections = []
    all_texts: dict[str, Any] = {}
    for section_id, title, codebook_id, questions, kind in SECTIONS:
        if codebook_id not in run.codebooks:
            continue
        keys = [k for k in run.question_keys if not questions or k in questions]
        docs = adapter.response_documents(versions, keys)
        by_id = {d.id: d for d in docs}
        all_texts.update({(section_id, d.id): d for d in docs})
        coded = adapter.response_coded(run, codebook_id, keys)
        kinds_coded = adapter.response_coded(run, "kinds", keys) if "kinds" in run.codebooks else []
        kinds = cross_tab(coded, kinds_coded, texts={d.id: d.text for d in docs}) if kinds_coded else None
        if kind and kinds_coded:
            coded = _only_kind(coded, kinds_coded, kind, by_id)
        section = content.code_section(
            section_id, title, adapter.load_codebook(codebook_id), coded, docs,
            quotable=quotable, language=language, kinds=kinds, duplicate_groups=duplicates,
        )
        sections.append(section)
    themes = list(run.themes.exclude(state__in=[Theme.State.DISCARDED, Theme.State.MERGED]).order_by("key"))
    unassigned = run.parameters.get("unassigned_share")
    methods = content.methods_section(
        [d.language or "other" for d in adapter.response_documents(versions, run.question_keys)],
        capability=run.capability,
        parameters={**run.parameters, "codebooks": ",".join(run.codebooks), "library": run.library_version,
                    "input_hash": run.input_hash[:16]},
        unassigned_share=unassigned,
        duplicate_groups=duplicates,
        caveats=[f"{reviewed_share(run):.0%} of responses were reviewed by an analyst."],
    )
    report = content.preliminary_results(
        f"{call.translated('title', language).text} — Preliminary Results", sections, methods, language=language
    )
    refs = [(s.id, q) for s in report.sections for f in s.findings for q in f.quotes]
    received = submissions_received(call)
    participation = {
        key: sorted(Counter(received.values_list(f"respondent__{key}", flat=True)).items(), key=lambda kv: (-kv[1], kv[0] or ""))
        for key in ("stakeholder_type", "region")
    }
    participation["language"] = sorted(Counter(received.values_list("language", flat=True)).items(), key=lambda kv: (-kv[1], kv[0] or ""))
    timeline = [
        {"kind": e.kind, "label": e.get_kind_display(), "title": e.translated("title", language).text,
         "starts_at": e.starts_at, "ends_at": e.ends_at}
        for e in call.timeline.all()
    ]
    return ReportBundle(
        call=call,
        run=run,
        report=report,
        participation=participation,
        received=received.count(),
        published=Contribution.objects.filter(call=call, state=Contribution.State.PUBLISHED).count(),
        timeline=timeline,
        quotes=_resolve(refs, all_texts),
        reviewed_share=reviewed_share(run),
        generated_at=run.finished_at or run.created_at,
        themes=[{"label": t.label, "keywords": t.keywords, "size": t.members.count(), "state": t.state} for t in themes],
        heatmap=_heatmap(run, versions),
    )


@dataclass(frozen=True)
class _Group:
    kind: str
    members: tuple[str, ...]
    representative: str


def _only_kind(coded, kinds_coded, kind: str, by_id) -> list:
    """Keep a code on an answer only where a sentence carries both the code and the kind."""
    from synthesis.coding import CodedDocument
    from synthesis.text import passages

    kind_spans = {c.id: [s for a in c.codes if a.code == kind for s in a.spans] for c in kinds_coded}
    kept = []
    for item in coded:
        spans = kind_spans.get(item.id, [])
        if not spans:
            continue
        doc = by_id.get(item.id)
        sentences = passages(doc.text, doc.language) if doc else []

        def sentence_of(span, sentences=sentences):
            return next((i for i, p in enumerate(sentences) if p.start <= span[0] < p.end), None)

        kind_sentences = {sentence_of(s) for s in spans}
        codes = tuple(a for a in item.codes if any(sentence_of(s) in kind_sentences for s in a.spans))
        if codes:
            kept.append(CodedDocument(id=item.id, language=item.language, codes=codes))
    return kept


def _heatmap(run: AnalysisRun, versions) -> dict[str, Any]:
    """Action Line × stakeholder type: responses mentioning each Action Line, per type."""
    if "wsis-action-lines" not in run.codebooks:
        return {}
    types = dict(SubmissionVersion.objects.filter(pk__in=versions).values_list("pk", "respondent__stakeholder_type"))
    counts: Counter = Counter()
    seen = set()
    for version_id, code in run.assignments.filter(codebook="wsis-action-lines", removed=False).values_list("version_id", "code"):
        if (version_id, code) in seen:
            continue
        seen.add((version_id, code))
        counts[(code, types.get(version_id) or "unknown")] += 1
    codes = [c.id for c in adapter.load_codebook("wsis-action-lines").codes]
    stakeholders = sorted({t or "unknown" for t in types.values()})
    return {"rows": codes, "columns": stakeholders, "cells": {f"{r}|{c}": counts.get((r, c), 0) for r in codes for c in stakeholders}}
