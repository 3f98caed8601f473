"""The one place where the ORM meets ``synthesis``: rows become Documents, results become rows.

``synthesis`` takes and returns plain dataclasses; nothing else in ``consulta`` builds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

import yaml

from consulta.analysis.models import (
    BUILTIN_CODEBOOKS,
    AnalysisRun,
    CodeAssignment,
    CustomCodebook,
    DuplicateGroup,
    Theme,
    ThemeMember,
)
from consulta.calls.models import QuestionType
from consulta.submissions.models import Submission, SubmissionVersion
from synthesis.codebook import Codebook
from synthesis.coding import CodeAssignment as SynthesisAssignment
from synthesis.coding import CodedDocument
from synthesis.io import read_codebook
from synthesis.text import Document

TEXT_TYPES = (QuestionType.LONG_TEXT, QuestionType.SHORT_TEXT)


def doc_id(version_id: int, question_key: str) -> str:
    return f"{version_id}:{question_key}"


def split_doc_id(value: str) -> tuple[int, str]:
    version, _, key = value.partition(":")
    return int(version), key


@lru_cache(maxsize=32)
def _builtin(name: str) -> Codebook:
    return read_codebook(name)


def load_codebook(name: str) -> Codebook:
    """A built-in codebook by id, or an analysts' custom codebook by slug."""
    if name in BUILTIN_CODEBOOKS:
        return _builtin(name)
    custom = CustomCodebook.objects.get(slug=name)
    return Codebook.from_dict(yaml.safe_load(custom.yaml))


def analysable_question_keys(call) -> list[str]:
    """The free-text questions of a call that are not about the respondent."""
    from consulta.submissions.answers import RESPONDENT_KEYS

    return [
        q.key
        for q in call.questions.filter(type__in=TEXT_TYPES).order_by("section__order", "order")
        if q.key not in RESPONDENT_KEYS
    ]


def run_versions(call) -> list[int]:
    """The versions a run analyses: the current version of every received submission, in a fixed order."""
    return list(
        Submission.objects.filter(call=call, status=Submission.Status.SUBMITTED)
        .exclude(late_review=Submission.LateReview.REJECTED)
        .exclude(current_version=None)
        .order_by("current_version_id")
        .values_list("current_version_id", flat=True)
    )


def documents(version_ids: Iterable[int], question_keys: Sequence[str]) -> list[Document]:
    """One Document per non-empty answer, with the respondent's groups as metadata."""
    wanted = set(question_keys)
    docs = []
    versions = SubmissionVersion.objects.filter(pk__in=list(version_ids)).order_by("pk")
    for version in versions.only("pk", "answers", "respondent", "language").iterator(chunk_size=1000):
        respondent = version.respondent or {}
        meta = {
            "stakeholder_type": respondent.get("stakeholder_type") or "unknown",
            "region": respondent.get("region") or "unknown",
            "language": version.language or "unknown",
        }
        for key in question_keys:
            text = version.answers.get(key) if key in wanted else None
            if isinstance(text, str) and text.strip():
                docs.append(
                    Document(id=doc_id(version.pk, key), text=text, language=version.language or None, meta={**meta, "question": key})
                )
    return docs


SEPARATOR = "\n\n"


def _joined(answers: dict, question_keys: Sequence[str]) -> tuple[str, dict[str, int]]:
    """All answers of a response in question order, and where each answer starts in the joined text."""
    text, offsets = "", {}
    for key in question_keys:
        value = answers.get(key)
        if isinstance(value, str) and value.strip():
            if text:
                text += SEPARATOR
            offsets[key] = len(text)
            text += value
    return text, offsets


def response_documents(version_ids: Iterable[int], question_keys: Sequence[str]) -> list[Document]:
    """One Document per response (its answers joined in question order), id = the version's id."""
    docs = []
    versions = SubmissionVersion.objects.filter(pk__in=list(version_ids)).order_by("pk")
    for version in versions.only("pk", "answers", "respondent", "language").iterator(chunk_size=1000):
        text, _offsets = _joined(version.answers, question_keys)
        if text:
            respondent = version.respondent or {}
            meta = {
                "stakeholder_type": respondent.get("stakeholder_type") or "unknown",
                "region": respondent.get("region") or "unknown",
                "language": version.language or "unknown",
            }
            docs.append(Document(id=str(version.pk), text=text, language=version.language or None, meta=meta))
    return docs


def store_coded(run: AnalysisRun, codebook_id: str, coded: Sequence[CodedDocument]) -> int:
    """Machine codes of one chunk; re-storing the same chunk replaces what it stored before."""
    rows = []
    for item in coded:
        version_id, key = split_doc_id(item.id)
        for assignment in item.codes:
            rows.append(
                CodeAssignment(
                    run=run,
                    version_id=version_id,
                    question_key=key,
                    codebook=codebook_id,
                    code=assignment.code,
                    score=assignment.score,
                    spans=[list(span) for span in assignment.spans],
                    explanation=assignment.explanation,
                    capability=assignment.source,
                )
            )
    versions = {split_doc_id(item.id)[0] for item in coded}
    CodeAssignment.objects.filter(
        run=run, codebook=codebook_id, version_id__in=versions, source=CodeAssignment.Source.MACHINE
    ).delete()
    CodeAssignment.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def store_themes(run: AnalysisRun, result) -> None:
    Theme.objects.filter(run=run).delete()
    for theme in result.themes:
        row = Theme.objects.create(
            run=run,
            key=theme.id,
            label=theme.label,
            keywords=list(theme.keywords),
            quotes=[{"document": q.id, "span": list(q.span)} for q in theme.quotes],
            capability=getattr(theme, "source", "") or getattr(result, "capability", ""),
        )
        members = []
        for member in theme.members:
            version_id, key = split_doc_id(member)
            members.append(ThemeMember(theme=row, version_id=version_id, question_key=key))
        ThemeMember.objects.bulk_create(members, batch_size=2000, ignore_conflicts=True)


def store_duplicates(run: AnalysisRun, groups) -> None:
    DuplicateGroup.objects.filter(run=run).delete()
    for group in groups:
        row = DuplicateGroup.objects.create(run=run, kind=group.kind, representative_id=int(group.representative))
        row.members.set([int(m) for m in group.members])


def coded_documents(run: AnalysisRun, codebook_id: str) -> list[CodedDocument]:
    """The reviewed state of a run as ``synthesis`` objects: machine codes minus removals, plus analysts'."""
    by_doc: dict[str, list[SynthesisAssignment]] = {}
    languages: dict[str, str] = {}
    rows = CodeAssignment.objects.filter(run=run, codebook=codebook_id, removed=False).select_related("version")
    for row in rows.order_by("version_id", "question_key", "code"):
        key = doc_id(row.version_id, row.question_key)
        languages[key] = row.version.language or "other"
        by_doc.setdefault(key, []).append(
            SynthesisAssignment(
                code=row.code,
                score=row.score if row.source == CodeAssignment.Source.MACHINE else 1.0,
                spans=tuple(tuple(span) for span in row.spans),
                explanation=row.explanation,
                source=row.capability if row.source == CodeAssignment.Source.MACHINE else "analyst",
            )
        )
    return [CodedDocument(id=key, language=languages[key], codes=tuple(codes)) for key, codes in by_doc.items()]


def response_coded(run: AnalysisRun, codebook_id: str, question_keys: Sequence[str]) -> list[CodedDocument]:
    """The reviewed codes of each response (answers joined as in ``response_documents``), spans shifted."""
    keys = [k for k in run.question_keys if k in set(question_keys)]
    by_version: dict[int, dict[str, SynthesisAssignment]] = {}
    languages: dict[int, str] = {}
    offsets_of: dict[int, dict[str, int]] = {}
    rows = (
        CodeAssignment.objects.filter(run=run, codebook=codebook_id, removed=False, question_key__in=keys)
        .select_related("version")
        .order_by("version_id", "question_key", "code")
    )
    for row in rows:
        if row.version_id not in offsets_of:
            offsets_of[row.version_id] = _joined(row.version.answers, keys)[1]
            languages[row.version_id] = row.version.language or "other"
        offset = offsets_of[row.version_id].get(row.question_key)
        if offset is None:
            continue
        spans = tuple((a + offset, b + offset) for a, b in row.spans)
        score = row.score if row.source == CodeAssignment.Source.MACHINE else 1.0
        codes = by_version.setdefault(row.version_id, {})
        previous = codes.get(row.code)
        if previous is None:
            codes[row.code] = SynthesisAssignment(
                code=row.code, score=score, spans=spans, explanation=row.explanation,
                source=row.capability if row.source == CodeAssignment.Source.MACHINE else "analyst",
            )
        else:
            codes[row.code] = SynthesisAssignment(
                code=row.code, score=max(previous.score, score), spans=previous.spans + spans,
                explanation=previous.explanation, source=previous.source,
            )
    return [
        CodedDocument(id=str(version_id), language=languages[version_id], codes=tuple(codes[c] for c in sorted(codes)))
        for version_id, codes in sorted(by_version.items())
    ]
