"""Bulk import and export of submissions (JSONL, CSV, XLSX) in the format of DESIGN.md.

Import is all-or-nothing: every line is checked first and every bad line reported with its number and
reason; only a clean file is written, in one transaction. Rows skip the ORM's per-object work: their
ids are drawn first, and they go to the database with COPY (PostgreSQL) or one prepared INSERT
(SQLite), in the form Django itself would give them.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import csv
import io
import json
import operator
import secrets
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from consulta import regions
from consulta.calls.models import Call, Timeliness
from consulta.submissions.answers import (
    RESPONDENT_KEYS,
    QuestionSpec,
    clean_answers,
    questionnaire,
)
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
    reference_prefix,
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
# The fields each imported row gives, in the order _store_batch builds its tuples; every other field
# of the model gets its default (see _Table).
SUBMISSION_FIELDS = (
    "id",
    "call_id",
    "reference",
    "respondent_id",
    "status",
    "source",
    "language",
    "consent",
    "external_id",
    "current_version_id",
    "version_count",
    "first_submitted_at",
    "last_submitted_at",
    "late_review",
    "is_demo",
)
VERSION_FIELDS = (
    "id",
    "submission_id",
    "number",
    "answers",
    "respondent",
    "consent",
    "language",
    "attachment_digests",
    "content_hash",
    "received_at",
    "timeliness",
)
# The audit trail's first entry for each imported submission: the same values, and who, when, why.
HISTORY_FIELDS = (
    *SUBMISSION_FIELDS,
    "created_at",
    "history_id",
    "history_date",
    "history_type",
    "history_change_reason",
)
HISTORY_REASON = "import"
# Given already adapted (see _stored_time).
RECEIVED_IN_SUBMISSION = frozenset({"first_submitted_at", "last_submitted_at"})
RECEIVED_IN_VERSION = frozenset({"received_at"})
LATE_REVIEW = {
    Timeliness.LATE_FLAGGED: Submission.LateReview.PENDING.value,
    Timeliness.LATE_ACCEPTED: Submission.LateReview.ACCEPTED.value,
}
if len(REFERENCE_ALPHABET) != 32:
    raise RuntimeError(
        "References map a random byte's low five bits to a symbol: 32 symbols needed"
    )
_respondent_values = operator.itemgetter(*RESPONDENT_COLUMNS)
_SYMBOL_OF_BYTE = bytes(ord(REFERENCE_ALPHABET[byte & 31]) for byte in range(256))


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


@dataclass(frozen=True)
class _Rules:
    """What every line of one import is checked against, worked out once for the whole file."""

    specs: tuple[QuestionSpec, ...]
    question_keys: frozenset[str]
    # Errors a line may have without being refused: files come as attachments, and inputs taken
    # down at a meeting or from a letter may have no e-mail or personal name.
    excused: frozenset[str]
    excused_unless_form: frozenset[str]

    @classmethod
    def of(cls, call: Call) -> _Rules:
        specs = tuple(questionnaire(call))
        files = {spec.key for spec in specs if spec.type == "file"}
        return cls(
            specs=specs,
            question_keys=frozenset(spec.key for spec in specs),
            excused=frozenset({"attachment", *files}),
            excused_unless_form=frozenset({"attachment", *files, *CONTACT_KEYS}),
        )


def _check(record: dict[str, Any], line: int, call: Call, rules: _Rules) -> _Row | str:
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
    if not rules.question_keys.issuperset(answers):
        unknown = sorted(set(answers) - rules.question_keys)
        return f"unknown question key(s): {', '.join(unknown)}"
    language = str(record.get("language") or respondent.get("language") or "")
    flat = {**answers, **respondent, "language": language, "consent": consent}
    cleaned = clean_answers(rules.specs, flat, require_complete=True)
    if cleaned.errors:
        excused = rules.excused if source == Source.FORM else rules.excused_unless_form
        errors = {key: value for key, value in cleaned.errors.items() if key not in excused}
        if errors:
            return "; ".join(
                f"{key}: {' '.join(messages)}" for key, messages in sorted(errors.items())
            )
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
    """``count`` new references, unused so far. One draw of random bytes serves the whole batch: each
    byte keeps its low five bits, and 256 is a multiple of 32, so every symbol is equally likely."""
    prefix = reference_prefix(call)
    made: set[str] = set()
    while len(made) < count:
        needed = count - len(made)
        symbols = secrets.token_bytes(REFERENCE_LENGTH * needed).translate(_SYMBOL_OF_BYTE).decode()
        fresh = {
            f"{prefix}-{symbols[start : start + REFERENCE_LENGTH]}"
            for start in range(0, len(symbols), REFERENCE_LENGTH)
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
    rules = _Rules.of(call)
    errors: list[tuple[int, str]] = []
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for line, record in records:
        if isinstance(record, str):
            errors.append((line, record))
            continue
        checked = _check(record, line, call, rules)
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

    now = timezone.now()
    saved: list[tuple[Storage, str]] = []  # attachment files written so far
    try:
        with transaction.atomic():
            for start in range(0, len(rows), BATCH):
                result.references.extend(
                    _store_batch(call, rows[start : start + BATCH], now, saved)
                )
            transaction.on_commit(
                lambda: submissions_imported.send(
                    sender=Submission, call=call, references=result.references
                )
            )
    except BaseException:
        # The rows are rolled back: their files, which hold personal data, must not stay behind.
        # (Inside a caller's own transaction that is later rolled back they would; the import
        # command and the views call this outside any.)
        for storage, name in saved:
            with contextlib.suppress(OSError):
                storage.delete(name)
        raise
    result.created = len(rows)
    return result


def _store_batch(
    call: Call, rows: list[_Row], now: datetime, saved: list[tuple[Storage, str]]
) -> list[str]:
    """Write one batch with set-based inserts and no read-back: ids are drawn first, so each
    submission is written already pointing at its respondent and at the version written after it
    (foreign keys are checked at commit)."""
    count = len(rows)
    respondent_ids = _allocate_ids(Respondent, count)
    submission_ids = _allocate_ids(Submission, count)
    version_ids = _allocate_ids(SubmissionVersion, count)
    references = _references(call, count)
    # Django's adaptation of a date and time costs about 10 µs on SQLite: once per row, for the
    # three columns that take the time received.
    received = [_stored_time(row.received_at) for row in rows]
    _write_rows(
        _Table.of(Respondent, ("id", *RESPONDENT_COLUMNS), now),
        [
            (rid, *_respondent_values(row.respondent))
            for rid, row in zip(respondent_ids, rows, strict=True)
        ],
    )
    submission_rows = [
        (
            sid,
            call.pk,
            reference,
            rid,
            Submission.Status.SUBMITTED.value,
            row.source,
            row.language,
            row.consent,
            row.external_id,
            vid,
            1,
            when,
            when,
            LATE_REVIEW.get(row.timeliness, ""),
            row.is_demo,
        )
        for row, rid, sid, vid, reference, when in zip(
            rows, respondent_ids, submission_ids, version_ids, references, received, strict=True
        )
    ]
    _write_rows(
        _Table.of(Submission, SUBMISSION_FIELDS, now, prepared=RECEIVED_IN_SUBMISSION),
        submission_rows,
    )
    history = Submission.history.model
    _write_rows(
        _Table.of(history, HISTORY_FIELDS, now, prepared=RECEIVED_IN_SUBMISSION),
        [
            (*values, now, history_id, now, "+", HISTORY_REASON)
            for values, history_id in zip(
                submission_rows, _allocate_ids(history, count), strict=True
            )
        ],
    )
    stored_files = {
        vid: [_store_file(sid, inspected, content, saved) for inspected, content in row.files]
        for row, sid, vid in zip(rows, submission_ids, version_ids, strict=True)
        if row.files
    }
    versions = []
    for row, sid, vid, when in zip(rows, submission_ids, version_ids, received, strict=True):
        digests = SubmissionVersion.digests_of(stored_files[vid]) if vid in stored_files else []
        payload = SubmissionVersion.hash_payload(
            answers=row.answers,
            respondent=row.respondent,
            consent=row.consent,
            language=row.language,
            attachment_digests=digests,
        )
        versions.append(
            (
                vid,
                sid,
                1,
                row.answers,
                row.respondent,
                row.consent,
                row.language,
                digests,
                canonical_hash(payload),
                when,
                row.timeliness.value,
            )
        )
    _write_rows(
        _Table.of(SubmissionVersion, VERSION_FIELDS, now, prepared=RECEIVED_IN_VERSION), versions
    )
    if stored_files:
        link = SubmissionVersion.attachments.through
        link.objects.bulk_create(
            link(submissionversion_id=vid, attachment_id=attachment.pk)
            for vid, attachments in stored_files.items()
            for attachment in attachments
        )
    return references


def _store_file(
    submission_id: int, inspected: InspectedFile, content: bytes, saved: list[tuple[Storage, str]]
) -> Attachment:
    attachment = Attachment(
        submission_id=submission_id,
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
    saved.append((attachment.file.storage, attachment.file.name))
    attachment.save()
    return attachment


def _allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for ``count`` rows about to be written, in increasing order.

    PostgreSQL draws them from the table's sequence, which is safe beside other writers. SQLite has
    no sequence: the import's transaction holds the write lock (``transaction_mode: IMMEDIATE``), so
    the ids after the highest ever used are free (were they not, the insert would fail on the primary
    key, never overwrite). The tables are AUTOINCREMENT, which never reuses the id of a deleted row:
    ``sqlite_sequence`` remembers it, and advances when the rows are written.
    """
    table, pk = model._meta.db_table, model._meta.pk.column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(table), pk, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        if connection.vendor != "sqlite":
            raise NotImplementedError(
                f"Bulk import writes to PostgreSQL or SQLite, not {connection.vendor}"
            )
        cursor.execute(
            f"SELECT MAX({quote(pk)}) FROM {quote(table)}"  # noqa: S608 (names from the model)
            " UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s",
            [table],
        )
        first = max((row[0] or 0 for row in cursor.fetchall()), default=0) + 1
    return list(range(first, first + count))


@dataclass(frozen=True)
class _Table:
    """One model's table as the import writes it: the given fields in the caller's order, then every
    other concrete field with its default. A field added to the model is filled, never skipped; a
    renamed or removed one fails here instead of shifting a column."""

    model: type[models.Model]
    columns: tuple[str, ...]
    # (position, function) for the given values Django adapts before writing (JSON, dates and times).
    adapters: tuple[tuple[int, Callable[[Any], Any]], ...]
    defaults: tuple[Any, ...]
    # Callable defaults, called once for each row.
    fresh: tuple[Callable[[], Any], ...]

    @classmethod
    def of(
        cls,
        model: type[models.Model],
        given: tuple[str, ...],
        now: datetime,
        *,
        prepared: frozenset[str] = frozenset(),
    ) -> _Table:
        """``prepared``: given dates and times the caller has passed through _stored_time."""
        by_name = {model_field.attname: model_field for model_field in model._meta.concrete_fields}
        unknown = set(given) - set(by_name)
        if unknown or len(set(given)) != len(given):
            raise ValueError(f"{model.__name__}: unknown or repeated field(s) in {given}")
        if not prepared <= set(given) or any(
            _adapter(by_name[name]) is not _stored_time for name in prepared
        ):
            raise ValueError(f"{model.__name__}: only given dates and times come prepared")
        rest = [model_field for name, model_field in by_name.items() if name not in given]
        fixed = [model_field for model_field in rest if not _fresh_each_row(model_field)]
        fresh = [model_field for model_field in rest if _fresh_each_row(model_field)]
        return cls(
            model=model,
            columns=tuple(
                model_field.column
                for model_field in (*(by_name[name] for name in given), *fixed, *fresh)
            ),
            adapters=tuple(
                (position, adapt)
                for position, name in enumerate(given)
                if name not in prepared and (adapt := _adapter(by_name[name])) is not None
            ),
            defaults=tuple(
                model_field.get_db_prep_save(_default(model_field, now), connection)
                for model_field in fixed
            ),
            fresh=tuple(_default_maker(model_field) for model_field in fresh),
        )

    def rows(self, given: Iterable[tuple]) -> Iterator[tuple]:
        adapters, defaults, fresh = self.adapters, self.defaults, self.fresh
        for values in given:
            if adapters:
                values = list(values)
                for position, adapt in adapters:
                    values[position] = adapt(values[position])
            yield (*values, *defaults, *[make() for make in fresh])


def _adapter(model_field: models.Field) -> Callable[[Any], Any] | None:
    """How Django turns this field's Python value into what the database driver takes; None for
    the fields whose values go as they are (text, numbers, booleans, ids), most of every row."""
    if isinstance(model_field, models.ForeignKey):
        return _adapter(model_field.target_field)
    if isinstance(
        model_field, models.CharField | models.TextField | models.IntegerField | models.BooleanField
    ):
        return None
    if isinstance(model_field, models.JSONField):
        return partial(connection.ops.adapt_json_value, encoder=model_field.encoder)
    if isinstance(model_field, models.DateTimeField):
        return _stored_time
    return partial(model_field.get_db_prep_save, connection=connection)


def _stored_time(value: datetime | None) -> Any:
    """Django's adaptation of a date and time: UTC text on SQLite, the value itself on PostgreSQL."""
    return connection.ops.adapt_datetimefield_value(value)


def _default(model_field: models.Field, now: datetime) -> Any:
    """What Django gives a field left unset on insert; ``now`` is the import's time."""
    if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
        if isinstance(model_field, models.DateTimeField):
            return now
        return timezone.localdate(now)
    return model_field.get_default()


def _fresh_each_row(model_field: models.Field) -> bool:
    """A callable default (a link nonce, say) is called for each row; an empty dict or list is the
    one exception, as every row would store the same ``{}`` or ``[]``."""
    default = model_field.default
    return model_field.has_default() and callable(default) and default not in (dict, list)


def _default_maker(model_field: models.Field) -> Callable[[], Any]:
    adapt = _adapter(model_field)
    if adapt is None:
        return model_field.get_default
    return lambda: adapt(model_field.get_default())


def _write_rows(table: _Table, rows: Iterable[tuple]) -> None:
    """COPY on PostgreSQL, one prepared INSERT run for every row on SQLite; database errors come out
    as Django's (an IntegrityError is ``django.db.IntegrityError``) and undo the whole import."""
    quote = connection.ops.quote_name
    name = quote(table.model._meta.db_table)
    columns = ", ".join(quote(column) for column in table.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy,
            ):
                for row in table.rows(rows):
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(table.columns))
            cursor.executemany(
                f"INSERT INTO {name} ({columns}) VALUES ({marks})",  # noqa: S608 (names from the model)
                list(table.rows(rows)),
            )


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
