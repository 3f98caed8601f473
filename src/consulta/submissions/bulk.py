"""Bulk import and export of submissions (JSONL, CSV, XLSX) in the format of DESIGN.md.

Import is all-or-nothing: every line is checked first and every bad line reported with its number and
reason; only a clean file is written, in one transaction, with set-based inserts so that a hundred
thousand inputs load in seconds.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import secrets
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.dateparse import parse_datetime

from consulta import regions
from consulta.calls.models import Call, Timeliness
from consulta.submissions.answers import RESPONDENT_KEYS, clean_answers, questionnaire
from consulta.submissions.attachments import AttachmentRejected, InspectedFile, inspect_upload
from consulta.submissions.models import (
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    Attachment,
    Consent,
    Respondent,
    Source,
    Submission,
    SubmissionVersion,
    canonical_hash,
)
from consulta.submissions.signals import submissions_imported

FORMATS = ("jsonl", "csv", "xlsx")
SOURCES = frozenset(Source.values)
CONSENTS = frozenset(Consent.values)
MULTI_SEPARATOR = " | "
BATCH = 2000
EXPORT_COLUMNS = (
    "reference",
    "external_id",
    "status",
    "source",
    "language",
    "consent",
    "submitted_at",
    "first_submitted_at",
    "version",
    "content_hash",
    "late_review",
    "is_demo",
)
RESPONDENT_COLUMNS = (*RESPONDENT_KEYS, "region")
CONTACT_KEYS = frozenset({"name", "email"})


class ImportFailed(Exception):
    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        super().__init__(f"{len(errors)} line(s) could not be imported")

    def report(self, limit: int = 50) -> str:
        lines = [f"line {number}: {reason}" for number, reason in self.errors[:limit]]
        if len(self.errors) > limit:
            lines.append(f"… and {len(self.errors) - limit} more")
        return "\n".join(lines)


@dataclass
class ImportResult:
    created: int = 0
    skipped_existing: int = 0
    references: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    external_id: str
    received_at: datetime
    source: str
    language: str
    consent: str
    respondent: dict[str, Any]
    answers: dict[str, Any]
    timeliness: Timeliness
    is_demo: bool
    files: list[tuple[InspectedFile, bytes]] = field(default_factory=list)


# ---------------------------------------------------------------- reading


def detect_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in FORMATS:
        return suffix
    raise ValueError(f"Cannot tell the format of {path}: use .jsonl, .csv or .xlsx")


def _unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    """CSV/XLSX columns ``respondent.name`` and ``answers.<key>`` back into the JSONL shape."""
    record: dict[str, Any] = {"respondent": {}, "answers": {}}
    for column, value in flat.items():
        if column is None:
            continue
        column = str(column).strip()
        if value is None:
            value = ""
        if column.startswith("respondent."):
            record["respondent"][column.split(".", 1)[1]] = value
        elif column.startswith("answers."):
            text = str(value)
            record["answers"][column.split(".", 1)[1]] = (
                [v.strip() for v in text.split("|") if v.strip()] if "|" in text else value
            )
        else:
            record[column] = value
    return record


def read_records(stream: IO[bytes], fmt: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, record) pairs; a record that cannot be parsed comes as an error message."""
    if fmt == "jsonl":
        for number, raw in enumerate(io.TextIOWrapper(stream, encoding="utf-8-sig"), start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as exc:
                yield number, f"not valid JSON ({exc.msg} at column {exc.colno})"
                continue
            yield number, record if isinstance(record, dict) else "each line must be a JSON object"
    elif fmt == "csv":
        reader = csv.DictReader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline=""))
        for number, row in enumerate(reader, start=2):
            yield number, _unflatten(row)
    elif fmt == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(stream, read_only=True, data_only=True)
        rows = workbook.active.iter_rows(values_only=True)
        header = [str(h) if h is not None else None for h in next(rows, [])]
        for number, values in enumerate(rows, start=2):
            if all(v in (None, "") for v in values):
                continue
            yield number, _unflatten(dict(zip(header, values, strict=False)))
    else:
        raise ValueError(f"Unknown format {fmt!r}")


# ---------------------------------------------------------------- checking


def _check(record: dict[str, Any], line: int, call: Call, specs, respondent_specs) -> _Row | str:
    submitted = record.get("submitted_at")
    received_at = (
        submitted if isinstance(submitted, datetime) else parse_datetime(str(submitted or ""))
    )
    if received_at is None or received_at.tzinfo is None:
        return "submitted_at must be a date and time with its UTC offset, e.g. 2025-03-01T10:00:00+01:00"
    source = str(record.get("source") or Source.IMPORT)
    if source not in SOURCES:
        return f"source must be one of {', '.join(Source.values)}, not {source!r}"
    consent = str(record.get("consent") or "")
    if consent not in CONSENTS:
        return f"consent must be one of {', '.join(Consent.values)}, not {consent!r}"
    respondent = record.get("respondent") or {}
    answers = record.get("answers") or {}
    if not isinstance(respondent, dict) or not isinstance(answers, dict):
        return "respondent and answers must be objects"
    unknown = sorted(set(answers) - {s.key for s in specs})
    if unknown:
        return f"unknown question key(s): {', '.join(unknown)}"
    language = str(record.get("language") or respondent.get("language") or "")
    flat = {**answers, **respondent, "language": language, "consent": consent}
    cleaned = clean_answers(specs, flat, require_complete=True)
    errors = dict(cleaned.errors)
    if source != Source.FORM:
        # Inputs taken down at a meeting or from a letter may have no e-mail or personal name.
        for key in CONTACT_KEYS:
            errors.pop(key, None)
    errors.pop("attachment", None)
    for spec in specs:
        if spec.type == "file":
            errors.pop(spec.key, None)
    if errors:
        return "; ".join(f"{key}: {' '.join(messages)}" for key, messages in sorted(errors.items()))
    timeliness = call.timeliness(received_at)
    if not timeliness.accepted:
        return f"received {received_at.isoformat()}, which the call does not accept ({timeliness.label})"
    files = []
    for position, item in enumerate(record.get("attachments") or [], start=1):
        if not isinstance(item, dict) or not item.get("filename") or not item.get("content_base64"):
            return f"attachment {position} needs a filename and content_base64"
        try:
            content = base64.b64decode(item["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            return f"attachment {position} is not valid base64"
        try:
            inspected = inspect_upload(
                io.BytesIO(content),
                filename=str(item["filename"]),
                max_bytes=settings.CONSULTA_MAX_FILE_BYTES,
                allowed_kinds=settings.CONSULTA_ATTACHMENT_KINDS,
            )
        except AttachmentRejected as exc:
            return f"attachment {position}: {exc.message}"
        files.append((inspected, content))
    person = {key: cleaned.respondent.get(key, "") for key in RESPONDENT_KEYS}
    person["on_behalf_of_organisation"] = bool(cleaned.respondent.get("on_behalf_of_organisation"))
    person["email"] = (person["email"] or "").lower()
    person["country"] = (person["country"] or "").upper()
    person["region"] = regions.region_of(person["country"]) if person["country"] else ""
    return _Row(
        line=line,
        external_id=str(record.get("external_id") or ""),
        received_at=received_at,
        source=source,
        language=language or person["language"],
        consent=consent,
        respondent=person,
        answers=cleaned.answers,
        timeliness=timeliness,
        is_demo=bool(record.get("demo")),
        files=files,
    )


def _references(call: Call, count: int) -> list[str]:
    prefix = "".join(ch for ch in call.slug.upper() if ch.isalnum())[:10] or "REF"
    made: set[str] = set()
    while len(made) < count:
        needed = count - len(made)
        fresh = {
            f"{prefix}-{''.join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))}"
            for _ in range(needed)
        }
        clash = set(
            Submission.objects.filter(reference__in=fresh).values_list("reference", flat=True)
        )
        made |= fresh - clash
    return list(made)


# ---------------------------------------------------------------- writing


def submissions_import(
    *, call: Call, records: Iterable[tuple[int, dict[str, Any] | str]], on_existing: str = "error"
) -> ImportResult:
    """Check every record, then store all of them or none. ``on_existing``: "error" or "skip"."""
    specs = questionnaire(call)
    respondent_specs = [s for s in specs if s.key in RESPONDENT_KEYS]
    errors: list[tuple[int, str]] = []
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for line, record in records:
        if isinstance(record, str):
            errors.append((line, record))
            continue
        checked = _check(record, line, call, specs, respondent_specs)
        if isinstance(checked, str):
            errors.append((line, checked))
            continue
        if checked.external_id:
            if checked.external_id in seen:
                errors.append(
                    (
                        line,
                        f"external_id {checked.external_id!r} repeats line {seen[checked.external_id]}",
                    )
                )
                continue
            seen[checked.external_id] = line
        rows.append(checked)

    existing = set()
    if seen:
        ids = list(seen)
        for start in range(0, len(ids), 5000):
            existing |= set(
                Submission.objects.filter(
                    call=call, external_id__in=ids[start : start + 5000]
                ).values_list("external_id", flat=True)
            )
    result = ImportResult()
    if existing:
        if on_existing == "skip":
            result.skipped_existing = sum(1 for row in rows if row.external_id in existing)
            rows = [row for row in rows if row.external_id not in existing]
        else:
            errors.extend(
                (row.line, f"external_id {row.external_id!r} was already imported")
                for row in rows
                if row.external_id in existing
            )
    if errors:
        raise ImportFailed(sorted(errors))

    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            result.references.extend(_store_batch(call, rows[start : start + BATCH]))
        transaction.on_commit(lambda: submissions_imported.send(sender=Submission, call=call, references=result.references))
    result.created = len(rows)
    return result


def _store_batch(call: Call, rows: list[_Row]) -> list[str]:
    respondents = Respondent.objects.bulk_create(
        [Respondent(**{k: v for k, v in row.respondent.items()}) for row in rows]
    )
    references = _references(call, len(rows))
    late = {
        Timeliness.LATE_FLAGGED: Submission.LateReview.PENDING,
        Timeliness.LATE_ACCEPTED: Submission.LateReview.ACCEPTED,
    }
    submissions = Submission.objects.bulk_create(
        [
            Submission(
                call=call,
                reference=reference,
                respondent=respondent,
                status=Submission.Status.SUBMITTED,
                source=row.source,
                language=row.language,
                consent=row.consent,
                external_id=row.external_id,
                version_count=1,
                first_submitted_at=row.received_at,
                last_submitted_at=row.received_at,
                late_review=late.get(row.timeliness, ""),
                is_demo=row.is_demo,
            )
            for row, respondent, reference in zip(rows, respondents, references, strict=True)
        ]
    )
    versions = []
    stored_files: list[tuple[int, list[Attachment]]] = []
    for index, (row, submission) in enumerate(zip(rows, submissions, strict=True)):
        digests = []
        if row.files:
            stored = [
                _store_file(submission, inspected, content) for inspected, content in row.files
            ]
            stored_files.append((index, stored))
            digests = sorted(
                ({"name": a.name, "sha256": a.sha256} for a in stored),
                key=lambda d: (d["name"], d["sha256"]),
            )
        payload = SubmissionVersion.hash_payload(
            answers=row.answers,
            respondent=row.respondent,
            consent=row.consent,
            language=row.language,
            attachment_digests=digests,
        )
        versions.append(
            SubmissionVersion(
                submission=submission,
                number=1,
                answers=row.answers,
                respondent=row.respondent,
                consent=row.consent,
                language=row.language,
                attachment_digests=digests,
                content_hash=canonical_hash(payload),
                received_at=row.received_at,
                timeliness=row.timeliness,
            )
        )
    SubmissionVersion.objects.bulk_create(versions)
    for index, stored in stored_files:
        versions[index].attachments.set(stored)
    Submission.objects.filter(pk__in=[s.pk for s in submissions]).update(
        current_version=Subquery(
            SubmissionVersion.objects.filter(submission=OuterRef("pk"), number=1).values("pk")[:1]
        )
    )
    return references


def _store_file(submission: Submission, inspected: InspectedFile, content: bytes) -> Attachment:
    attachment = Attachment(
        submission=submission,
        original_name=inspected.safe_name,
        name=inspected.safe_name,
        kind=inspected.kind,
        content_type=inspected.content_type,
        size=inspected.size,
        sha256=inspected.sha256,
        text=inspected.text,
        text_status=inspected.text_status,
    )
    attachment.file.save(f"{uuid.uuid4().hex}.{inspected.kind}", ContentFile(content), save=False)
    attachment.save()
    return attachment


# ---------------------------------------------------------------- export


def _export_rows(call: Call, *, include_drafts: bool) -> Iterator[dict[str, Any]]:
    queryset = (
        Submission.objects.filter(call=call)
        .select_related("respondent", "current_version")
        .order_by("first_submitted_at", "reference")
    )
    if not include_drafts:
        queryset = queryset.exclude(status=Submission.Status.DRAFT)
    for submission in queryset.iterator(chunk_size=2000):
        version = submission.current_version
        respondent = submission.respondent
        yield {
            "reference": submission.reference,
            "external_id": submission.external_id,
            "status": submission.status,
            "source": submission.source,
            "language": submission.language,
            "consent": submission.consent,
            "submitted_at": version.received_at.isoformat() if version else "",
            "first_submitted_at": submission.first_submitted_at.isoformat()
            if submission.first_submitted_at
            else "",
            "version": version.number if version else 0,
            "content_hash": version.content_hash if version else "",
            "late_review": submission.late_review,
            "is_demo": submission.is_demo,
            "respondent": {key: getattr(respondent, key) for key in RESPONDENT_COLUMNS},
            "answers": version.answers if version else {},
        }


def _flat(record: dict[str, Any], answer_keys: list[str]) -> list[Any]:
    row: list[Any] = [record[c] for c in EXPORT_COLUMNS]
    row += [record["respondent"][k] for k in RESPONDENT_COLUMNS]
    for key in answer_keys:
        value = record["answers"].get(key, "")
        row.append(MULTI_SEPARATOR.join(value) if isinstance(value, list) else value)
    return [_defuse(v) for v in row]


def _defuse(value: Any) -> Any:
    """Keep spreadsheet programs from running a respondent's text as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_columns(call: Call) -> tuple[list[str], list[str]]:
    answer_keys = [
        s.key
        for s in questionnaire(call)
        if s.key not in RESPONDENT_KEYS and s.type not in ("consent", "file")
    ]
    header = [
        *EXPORT_COLUMNS,
        *(f"respondent.{k}" for k in RESPONDENT_COLUMNS),
        *(f"answers.{k}" for k in answer_keys),
    ]
    return header, answer_keys


def submissions_export(
    *, call: Call, fmt: str, stream: IO[bytes], include_drafts: bool = False
) -> int:
    header, answer_keys = export_columns(call)
    count = 0
    if fmt == "jsonl":
        for record in _export_rows(call, include_drafts=include_drafts):
            stream.write(
                (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
            )
            count += 1
    elif fmt == "csv":
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text)
        writer.writerow(header)
        for record in _export_rows(call, include_drafts=include_drafts):
            writer.writerow(_flat(record, answer_keys))
            count += 1
        text.detach()
    elif fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title="submissions")
        sheet.append(header)
        for record in _export_rows(call, include_drafts=include_drafts):
            sheet.append(_flat(record, answer_keys))
            count += 1
        workbook.save(stream)
    else:
        raise ValueError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return count
