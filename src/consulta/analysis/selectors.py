"""Read-only queries behind the analysts' workspace: code tables, passages, responses, themes, comparisons.

Counts are of responses (distinct submission versions), never of rows, and leave out codes an analyst
removed. Nothing here writes; the workspace's changes go through ``services``, ``codebooks`` and
``retrain``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from consulta.analysis import adapter
from consulta.analysis.models import (
    BUILTIN_CODEBOOKS,
    AnalysisRun,
    AuditEvent,
    CodeAssignment,
    CustomCodebook,
    DuplicateGroup,
    ResponseReview,
    Theme,
)
from consulta.calls.models import Call
from consulta.submissions.models import SubmissionVersion

DIMENSIONS = (
    ("stakeholder_type", "version__respondent__stakeholder_type"),
    ("region", "version__respondent__region"),
    ("language", "version__language"),
)
FLAGS = ("needs_second_look", "off_topic", "personal_data", "translation_needed")


# ------------------------------------------------------------------------------------------ runs


def calls_with_runs() -> list[tuple[Call, list[AnalysisRun]]]:
    runs: dict[int, list[AnalysisRun]] = {}
    for run in AnalysisRun.objects.select_related("created_by").order_by("-created_at", "-pk"):
        runs.setdefault(run.call_id, []).append(run)
    return [(call, runs.get(call.pk, [])) for call in Call.objects.order_by("-pk")]


def available_codebooks(call: Call | None = None) -> list[str]:
    custom = CustomCodebook.objects.all()
    if call is not None:
        from django.db.models import Q

        custom = custom.filter(Q(call=call) | Q(call=None))
    return [*BUILTIN_CODEBOOKS, *custom.values_list("slug", flat=True)]


def run_version_ids(run: AnalysisRun) -> list[int]:
    """The versions a run analysed, in its fixed order."""
    return sorted(v for ids in run.chunks.values_list("version_ids", flat=True) for v in ids)


def safe_codebook(name: str):
    """The codebook, or None where a custom one was deleted or broken since the run."""
    try:
        return adapter.load_codebook(name)
    except Exception:  # noqa: BLE001 - a page must still show the run's stored rows
        return None


def code_label(book, code: str, language: str) -> str:
    if book is None or code not in book:
        return code
    return book.code(code).label_in(language)


# ------------------------------------------------------------------------------------------ codes


@dataclass
class CodeRow:
    code: str
    label: str
    responses: int
    share: float
    breakdowns: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def _kept(run: AnalysisRun, codebook: str, question: str | None = None):
    rows = CodeAssignment.objects.filter(run=run, codebook=codebook, removed=False)
    if question:
        rows = rows.filter(question_key=question)
    return rows


def code_table(run: AnalysisRun, codebook: str, *, question: str | None = None, language: str = "en") -> list[CodeRow]:
    """Each code of a codebook with the responses it is on, their share, and breakdowns by group."""
    book = safe_codebook(codebook)
    rows = _kept(run, codebook, question)
    counts = dict(rows.values_list("code").annotate(n=Count("version", distinct=True)).order_by())
    breakdowns: dict[str, dict[str, Counter]] = {}
    for name, lookup in DIMENSIONS:
        grouped = rows.values_list("code", lookup).annotate(n=Count("version", distinct=True)).order_by()
        for code, group, n in grouped:
            breakdowns.setdefault(code, {}).setdefault(name, Counter())[group or "unknown"] += n
    total = run.n_documents or 0
    order = list(book.code_ids) if book is not None else []
    codes = [c for c in order if c in counts] + sorted(c for c in counts if c not in order)
    table = []
    for code in codes:
        table.append(
            CodeRow(
                code=code,
                label=code_label(book, code, language),
                responses=counts[code],
                share=round(counts[code] / total, 4) if total else 0.0,
                breakdowns={
                    name: sorted(breakdowns.get(code, {}).get(name, Counter()).items(), key=lambda kv: (-kv[1], kv[0]))
                    for name, _lookup in DIMENSIONS
                },
            )
        )
    table.sort(key=lambda r: -r.responses)
    return table


def group_totals(run: AnalysisRun) -> dict[str, list[tuple[str, int]]]:
    """How many responses of the run fall in each stakeholder type, region and language."""
    versions = SubmissionVersion.objects.filter(pk__in=run_version_ids(run))
    out = {}
    for name, lookup in DIMENSIONS:
        field_name = lookup.removeprefix("version__")
        counts = Counter(g or "unknown" for g in versions.values_list(field_name, flat=True))
        out[name] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return out


def highlighted(text: str, spans) -> list[tuple[str, bool]]:
    """The text as (segment, marked) pieces; spans are [start, end) and may overlap or be out of range."""
    text = text or ""
    cleaned = sorted(
        (max(0, int(a)), min(len(text), int(b))) for a, b in (spans or []) if int(b) > int(a)
    )
    merged: list[list[int]] = []
    for start, end in cleaned:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, at = [], 0
    for start, end in merged:
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


@dataclass
class Passage:
    assignment: CodeAssignment
    pieces: list[tuple[str, bool]]
    language: str


def code_passages(run: AnalysisRun, codebook: str, code: str, *, question: str | None = None) -> list[Passage]:
    rows = (
        _kept(run, codebook, question)
        .filter(code=code)
        .select_related("version__submission", "assigned_by")
        .order_by("version_id", "question_key")
    )
    out = []
    for row in rows:
        text = row.version.answers.get(row.question_key)
        if not isinstance(text, str):
            text = ""
        out.append(Passage(assignment=row, pieces=highlighted(text, row.spans), language=row.version.language or ""))
    return out


# ------------------------------------------------------------------------------------------ responses


@dataclass
class AnswerView:
    key: str
    prompt: str
    pieces: list[tuple[str, bool]]
    codes: list[dict[str, Any]]


def question_prompts(call: Call) -> dict[str, str]:
    return {q.key: q.translated("prompt").text for q in call.questions.all()}


def response_view(run: AnalysisRun, version: SubmissionVersion, *, language: str = "en") -> list[AnswerView]:
    """Each analysed answer of a response with its codes (machine and analyst) per codebook."""
    prompts = question_prompts(run.call)
    rows = (
        CodeAssignment.objects.filter(run=run, version=version)
        .select_related("assigned_by", "removed_by")
        .order_by("codebook", "code")
    )
    by_question: dict[str, list[CodeAssignment]] = {}
    for row in rows:
        by_question.setdefault(row.question_key, []).append(row)
    books = {name: safe_codebook(name) for name in run.codebooks}
    answers = []
    for key in run.question_keys:
        text = version.answers.get(key)
        if not isinstance(text, str) or not text.strip():
            continue
        kept = [r for r in by_question.get(key, []) if not r.removed]
        spans = [s for r in kept for s in r.spans]
        codes = [
            {"row": r, "label": code_label(books.get(r.codebook), r.code, language)}
            for r in by_question.get(key, [])
        ]
        answers.append(AnswerView(key=key, prompt=prompts.get(key, key), pieces=highlighted(text, spans), codes=codes))
    return answers


def neighbours(run: AnalysisRun, version_id: int) -> dict[str, int | None]:
    """Previous, next and next unreviewed response in the run's order."""
    ids = run_version_ids(run)
    reviewed = set(
        ResponseReview.objects.filter(run=run, reviewed_at__isnull=False).values_list("version_id", flat=True)
    )
    at = ids.index(version_id) if version_id in ids else -1
    following = ids[at + 1 :] + ids[: max(at, 0)]
    return {
        "previous": ids[at - 1] if at > 0 else None,
        "next": ids[at + 1] if 0 <= at < len(ids) - 1 else None,
        "next_unreviewed": next((v for v in following if v not in reviewed and v != version_id), None),
        "position": at + 1,
        "total": len(ids),
    }


def code_choices(run: AnalysisRun, language: str = "en") -> list[tuple[str, list[tuple[str, str]]]]:
    """Codes an analyst may add, grouped by codebook, as ("codebook|code", label)."""
    groups = []
    for name in run.codebooks:
        book = safe_codebook(name)
        if book is None:
            continue
        groups.append((book.title_in(language) or name, [(f"{name}|{c.id}", f"{c.id} · {c.label_in(language)}") for c in book.codes]))
    return groups


# ------------------------------------------------------------------------------------------ run overview


def duplicates_summary(run: AnalysisRun) -> dict[str, Any]:
    groups = list(run.duplicate_groups.annotate(size=Count("members")).order_by("kind", "-size"))
    by_kind = Counter(g.kind for g in groups)
    in_groups = Counter()
    for g in groups:
        in_groups[g.kind] += g.size
    return {
        "groups": groups,
        "kinds": [(kind, by_kind[kind], in_groups[kind]) for kind in sorted(by_kind)],
    }


def duplicate_members(group: DuplicateGroup) -> list[int]:
    return list(group.members.order_by("pk").values_list("pk", flat=True))


def audit_trail(run: AnalysisRun):
    return AuditEvent.objects.filter(run=run).select_related("actor").order_by("-at", "-pk")


# ------------------------------------------------------------------------------------------ themes


@dataclass
class ThemeView:
    theme: Theme
    size: int
    quotes: list[dict[str, Any]]
    members: list[Any]


def theme_views(run: AnalysisRun, *, members: bool = True) -> list[ThemeView]:
    themes = list(run.themes.annotate(size=Count("members")).order_by("state", "-size", "key"))
    version_ids = set()
    for theme in themes:
        for quote in theme.quotes:
            try:
                version_ids.add(adapter.split_doc_id(quote["document"])[0])
            except (KeyError, ValueError, TypeError):
                continue
    answers = dict(SubmissionVersion.objects.filter(pk__in=version_ids).values_list("pk", "answers"))
    out = []
    for theme in themes:
        quotes = []
        for quote in theme.quotes:
            try:
                version_id, key = adapter.split_doc_id(quote["document"])
                start, end = quote["span"]
            except (KeyError, ValueError, TypeError):
                continue
            text = (answers.get(version_id) or {}).get(key)
            if isinstance(text, str) and text[start:end].strip():
                quotes.append({"text": text[start:end], "version": version_id, "question": key})
        member_rows = list(theme.members.order_by("version_id", "question_key")) if members else []
        out.append(ThemeView(theme=theme, size=theme.size, quotes=quotes, members=member_rows))
    return out


# ------------------------------------------------------------------------------------------ compare


@dataclass
class Comparison:
    a: AnalysisRun
    b: AnalysisRun
    added: list[SubmissionVersion]
    removed: list[SubmissionVersion]
    changed: list[tuple[SubmissionVersion, SubmissionVersion]]
    codes: list[dict[str, Any]]
    themes: list[dict[str, Any]]


def _versions(run: AnalysisRun) -> dict[int, SubmissionVersion]:
    """The run's versions keyed by their submission."""
    rows = SubmissionVersion.objects.filter(pk__in=run_version_ids(run)).select_related("submission")
    return {v.submission_id: v for v in rows}


def _code_counts(run: AnalysisRun) -> Counter:
    rows = (
        CodeAssignment.objects.filter(run=run, removed=False)
        .values_list("codebook", "code")
        .annotate(n=Count("version", distinct=True))
        .order_by()
    )
    return Counter({(book, code): n for book, code, n in rows})


def _live_themes(run: AnalysisRun) -> list[tuple[Theme, int]]:
    themes = run.themes.exclude(state__in=[Theme.State.DISCARDED, Theme.State.MERGED]).annotate(size=Count("members"))
    return [(t, t.size) for t in themes.order_by("key")]


def _overlap(a: list[str], b: list[str]) -> float:
    sa, sb = {w.lower() for w in a}, {w.lower() for w in b}
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def compare_runs(a: AnalysisRun, b: AnalysisRun, *, language: str = "en", min_overlap: float = 0.2) -> Comparison:
    """What changed from run ``a`` to run ``b``: responses, code counts, and themes new or grown."""
    va, vb = _versions(a), _versions(b)
    added = [vb[s] for s in sorted(set(vb) - set(va))]
    removed = [va[s] for s in sorted(set(va) - set(vb))]
    changed = [(va[s], vb[s]) for s in sorted(set(va) & set(vb)) if va[s].pk != vb[s].pk]
    ca, cb = _code_counts(a), _code_counts(b)
    books: dict[str, Any] = {}
    codes = []
    for book, code in sorted(set(ca) | set(cb)):
        if book not in books:
            books[book] = safe_codebook(book)
        codes.append(
            {
                "codebook": book,
                "code": code,
                "label": code_label(books[book], code, language),
                "a": ca.get((book, code), 0),
                "b": cb.get((book, code), 0),
                "difference": cb.get((book, code), 0) - ca.get((book, code), 0),
            }
        )
    codes.sort(key=lambda r: (-abs(r["difference"]), r["codebook"], r["code"]))
    before = _live_themes(a)
    themes = []
    for theme, size in _live_themes(b):
        best, best_score = None, 0.0
        for old, old_size in before:
            score = _overlap(theme.keywords, old.keywords)
            if score > best_score:
                best, best_score = (old, old_size), score
        if best is None or best_score < min_overlap:
            themes.append({"theme": theme, "size": size, "status": "new", "before": None, "before_size": 0})
        elif size > best[1]:
            themes.append({"theme": theme, "size": size, "status": "grew", "before": best[0], "before_size": best[1]})
    themes.sort(key=lambda t: (t["status"] != "new", -(t["size"] - t["before_size"])))
    return Comparison(a=a, b=b, added=added, removed=removed, changed=changed, codes=codes, themes=themes)
