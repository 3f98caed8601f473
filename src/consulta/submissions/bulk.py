"""Bulk import and export of submissions (JSONL, CSV, XLSX) in the format of DESIGN.md.

Import is all-or-nothing: every line is checked and every bad line reported with its number and
reason; lines are written in batches as they are checked, in one transaction that any bad line rolls
back, so only a clean file is kept. Worker processes can do the checking while one process writes.
Rows skip the ORM's per-object work: their ids are drawn first, and they go to the database with COPY
(PostgreSQL) or one prepared INSERT (SQLite), in the form Django itself would give them.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import csv
import io
import itertools
import json
import multiprocessing
import operator
import os
import secrets
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import IO, Any, NamedTuple

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
from consulta.submissions.attachments import AttachmentRejected, inspect_upload
from consulta.submissions.models import (
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    Attachment,
    Consent,
    Respondent,
    Source,
    Submission,
    SubmissionVersion,
    canonical_hash_of_encoded,
    canonical_json,
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
# Given already in their stored form: dates and times through _stored_time, JSON as canonical text
# (which the content hash is computed from too, so each value is encoded once).
RECEIVED_IN_SUBMISSION = frozenset({"first_submitted_at", "last_submitted_at"})
PREPARED_IN_HISTORY = RECEIVED_IN_SUBMISSION | {"created_at", "history_date"}
PREPARED_IN_VERSION = frozenset({"received_at", "answers", "respondent", "attachment_digests"})
NO_ATTACHMENTS = canonical_json([])
LATE_REVIEW = {
    Timeliness.LATE_FLAGGED.value: Submission.LateReview.PENDING.value,
    Timeliness.LATE_ACCEPTED.value: Submission.LateReview.ACCEPTED.value,
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


class _Row(NamedTuple):
    """A checked line, ready to write: JSON already encoded and the content hash computed, so that
    the process that writes (the parent, when worker processes check) has the least left to do.
    A named tuple, as rows cross from worker to parent pickled."""

    line: int
    external_id: str
    received: Any  # the time received, adapted for the database (see _stored_time)
    source: str
    language: str
    consent: str
    respondent: tuple[Any, ...]  # in RESPONDENT_COLUMNS order
    respondent_json: str
    answers_json: str
    attachment_digests_json: str
    content_hash: str
    timeliness: str
    is_demo: bool
    files: list[tuple[Attachment, bytes]]  # not yet saved, nor linked to their submission


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


def read_records(
    stream: IO[bytes], fmt: str, *, parse: bool = True
) -> Iterator[tuple[int, dict[str, Any] | str | bytes]]:
    """(line number, record) pairs; a record that cannot be parsed comes as an error message.

    ``parse=False`` leaves each JSON line as its bytes, for submissions_import to parse where it
    checks it (in its worker processes, when it has them). JSON lines end with ``\n``."""
    if fmt == "jsonl":
        for number, raw in enumerate(stream, start=1):
            if number == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            if not raw or raw.isspace():
                continue
            yield number, _parse_json_line(raw) if parse else raw
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


def _parse_json_line(raw: bytes) -> dict[str, Any] | str:
    try:
        record = json.loads(raw)
    except UnicodeDecodeError:
        return "not valid UTF-8 text"
    except json.JSONDecodeError as exc:
        return f"not valid JSON ({exc.msg} at column {exc.colno})"
    return record if isinstance(record, dict) else "each line must be a JSON object"


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
        files.append(
            (Attachment.of_inspected(inspected, original_name=inspected.safe_name), content)
        )
    person = {key: cleaned.respondent.get(key, "") for key in RESPONDENT_KEYS}
    person["on_behalf_of_organisation"] = bool(cleaned.respondent.get("on_behalf_of_organisation"))
    person["email"] = (person["email"] or "").lower()
    person["country"] = (person["country"] or "").upper()
    person["region"] = regions.region_of(person["country"]) if person["country"] else ""
    language = language or person["language"]
    answers_json, person_json = canonical_json(cleaned.answers), canonical_json(person)
    digests = (
        canonical_json(SubmissionVersion.digests_of(attachment for attachment, _ in files))
        if files
        else NO_ATTACHMENTS
    )
    return _Row(
        line=line,
        external_id=str(record.get("external_id") or ""),
        received=_stored_time(received_at),
        source=source,
        language=language,
        consent=consent,
        respondent=_respondent_values(person),
        respondent_json=person_json,
        answers_json=answers_json,
        attachment_digests_json=digests,
        content_hash=canonical_hash_of_encoded(
            SubmissionVersion.hash_payload(
                answers=answers_json,
                respondent=person_json,
                consent=canonical_json(consent),
                language=canonical_json(language),
                attachment_digests=digests,
            )
        ),
        timeliness=timeliness.value,
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
        made |= fresh - _submissions_having("reference", fresh)
    return list(made)


def _submissions_having(name: str, values: set[str], *, call: Call | None = None) -> set[str]:
    """Which of these values (never empty) of a text field some submission (of ``call``, if given)
    already has: one query with one parameter (thousands of parameters cost more to build than to
    run), worded so that each value is one look-up in an index, whatever the planner believes.

    Each batch of an import asks this of a table the import keeps growing. A plan that reads every
    row of the call makes the import's time grow with the square of its size: a million-line import
    spent half its time so. SQLite needs the index's own condition (the value is not empty) spelled
    out to use the partial unique index on (call, external id); PostgreSQL's planner, whose
    statistics still describe the table as it was before the import, chose such scans even then,
    so there each value is looked up on its own (a lateral join with LIMIT 1 cannot become a scan).
    """
    quote = connection.ops.quote_name
    table, column = quote(Submission._meta.db_table), quote(Submission._meta.get_field(name).column)
    conditions, params = [f"NOT ({column} = '')"], []
    if call is not None:
        conditions.append(f"{quote(Submission._meta.get_field('call').column)} = %s")
        params.append(call.pk)
    # Only names from the model are formatted into the SQL; the values go as parameters.
    if connection.vendor == "postgresql":
        conditions.append(f"{column} = wanted.value")
        where = " AND ".join(conditions)
        sql = f"SELECT wanted.value FROM unnest(%s::text[]) AS wanted(value) CROSS JOIN LATERAL (SELECT 1 FROM {table} WHERE {where} LIMIT 1) AS found"  # noqa: S608
        params.insert(0, list(values))
    else:
        conditions.append(f"{column} IN (SELECT value FROM json_each(%s))")  # noqa: S608
        sql = f"SELECT {column} FROM {table} WHERE {' AND '.join(conditions)}"  # noqa: S608
        params.append(json.dumps(list(values)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


# ---------------------------------------------------------------- writing


def submissions_import(
    *,
    call: Call,
    records: Iterable[tuple[int, dict[str, Any] | str | bytes]],
    on_existing: str = "error",
    jobs: int = 1,
) -> ImportResult:
    """Check every record and store all of them or none. ``on_existing``: "error" or "skip".

    Checked lines are written in batches as they come, in one transaction, which is opened with
    the first batch (a file whose first lines are bad never takes the write lock) and rolled back
    if any line is bad; the lines after a bad one are still checked, so that every error is
    reported. With ``jobs`` above 1, that many worker processes check the lines while this one
    writes (where processes can be forked; elsewhere one process does both)."""
    if on_existing not in ("error", "skip"):
        raise ValueError(f"on_existing must be 'error' or 'skip', not {on_existing!r}")
    with _Importer(call=call, on_existing=on_existing) as importer:
        # Closed on the way out, whatever happens: that stops and waits for the workers.
        checked = importer.enter_context(contextlib.closing(_checked_records(records, call, jobs)))
        for line, row_or_error in checked:
            importer.take(line, row_or_error)
        importer.finish()
    return importer.result


class _Importer(contextlib.ExitStack):
    """Takes checked lines in order and writes them a batch at a time, until a line is bad. On the
    way out it closes what was entered on it, the transaction first (committed, or rolled back on
    any error), and after a failure deletes the attachment files written."""

    def __init__(self, *, call: Call, on_existing: str):
        super().__init__()
        self.call, self.on_existing = call, on_existing
        self.now = timezone.now()
        self.result = ImportResult()
        self.errors: list[tuple[int, str]] = []
        self.seen: dict[str, int] = {}  # external id -> its first line
        self.batch: list[_Row] = []
        self.saved: list[tuple[Storage, str]] = []  # attachment files written so far
        self.writing = False

    def __exit__(self, kind, error, trace) -> bool:
        failed = kind is not None
        try:
            return super().__exit__(kind, error, trace)
        except BaseException:  # the commit itself failed
            failed = True
            raise
        finally:
            if failed:
                # The rows are rolled back: their files, which hold personal data, must not stay
                # behind. (Inside a caller's own transaction that is later rolled back they would;
                # the import command and the demo seeding call this outside any.)
                for storage, name in self.saved:
                    with contextlib.suppress(OSError):
                        storage.delete(name)

    def _in_transaction(self) -> None:
        """Opened with the first write, so that a file whose first lines are bad takes no lock."""
        if not self.writing:
            self.enter_context(transaction.atomic())
            self.writing = True

    def take(self, line: int, checked: _Row | str) -> None:
        if isinstance(checked, str):
            self.errors.append((line, checked))
            return
        if checked.external_id:
            first = self.seen.setdefault(checked.external_id, line)
            if first != line:
                self.errors.append(
                    (line, f"external_id {checked.external_id!r} repeats line {first}")
                )
                return
        self.batch.append(checked)
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        batch, self.batch = self.batch, []
        existing = self._already_imported(batch)
        if existing:
            if self.on_existing == "skip":
                self.result.skipped_existing += sum(
                    1 for row in batch if row.external_id in existing
                )
            else:
                self.errors.extend(
                    (row.line, f"external_id {row.external_id!r} was already imported")
                    for row in batch
                    if row.external_id in existing
                )
            batch = [row for row in batch if row.external_id not in existing]
        if self.errors or not batch:
            return  # once a line is bad nothing more is written, and what was is rolled back
        self._in_transaction()
        self.result.references.extend(_store_batch(self.call, batch, self.now, self.saved))
        self.result.created += len(batch)

    def finish(self) -> None:
        self.flush()
        if self.errors:
            raise ImportFailed(sorted(self.errors))
        self._in_transaction()
        call, references = self.call, self.result.references
        transaction.on_commit(
            lambda: submissions_imported.send(sender=Submission, call=call, references=references)
        )

    def _already_imported(self, batch: list[_Row]) -> set[str]:
        ids = {row.external_id for row in batch if row.external_id}
        return _submissions_having("external_id", ids, call=self.call) if ids else set()


# Lines a worker checks at a time, and chunks handed out ahead per worker: enough to keep the
# workers busy while the parent writes a batch, few enough to bound the memory they hold.
CHECK_CHUNK = 500
CHUNKS_AHEAD = 8
# Beyond about three checking workers the parent, which writes, is what limits an import.
DEFAULT_JOBS = max(1, min(3, os.cpu_count() or 1))


def _checked_records(
    records: Iterable[tuple[int, dict[str, Any] | str | bytes]], call: Call, jobs: int
) -> Iterator[tuple[int, _Row | str]]:
    """(line, checked row or error) in the order of the records."""
    rules = _Rules.of(call)
    records = iter(records)
    first = list(itertools.islice(records, CHECK_CHUNK))
    if (
        jobs <= 1
        or len(first) < CHECK_CHUNK
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        # One process: asked for, worth no pool (a file of one chunk), or no fork here.
        for line, record in itertools.chain(first, records):
            yield line, _check_record(record, line, call, rules)
        return
    # Forked, the workers start with the call and its rules already in memory; they never touch
    # the database connection they inherit.
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_checker,
        initargs=(call, rules),
    )
    try:
        ahead: deque[Future] = deque([pool.submit(_check_chunk, first)])
        while chunk := list(itertools.islice(records, CHECK_CHUNK)):
            ahead.append(pool.submit(_check_chunk, chunk))
            if len(ahead) >= jobs * CHUNKS_AHEAD:
                yield from ahead.popleft().result()
        while ahead:
            yield from ahead.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_checker: tuple[Call, _Rules] | None = None


def _start_checker(call: Call, rules: _Rules) -> None:
    global _checker
    _checker = (call, rules)


def _check_chunk(
    chunk: list[tuple[int, dict[str, Any] | str | bytes]],
) -> list[tuple[int, _Row | str]]:
    call, rules = _checker
    return [(line, _check_record(record, line, call, rules)) for line, record in chunk]


def _check_record(
    record: dict[str, Any] | str | bytes, line: int, call: Call, rules: _Rules
) -> _Row | str:
    """A record as read_records gives it: parsed, an error already, or a JSON line to parse."""
    if isinstance(record, bytes):
        record = _parse_json_line(record)
    if isinstance(record, str):
        return record
    return _check(record, line, call, rules)


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
    _write_rows(
        _Table.of(Respondent, ("id", *RESPONDENT_COLUMNS), now),
        [(rid, *row.respondent) for rid, row in zip(respondent_ids, rows, strict=True)],
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
            row.received,
            row.received,
            LATE_REVIEW.get(row.timeliness, ""),
            row.is_demo,
        )
        for row, rid, sid, vid, reference in zip(
            rows, respondent_ids, submission_ids, version_ids, references, strict=True
        )
    ]
    _write_rows(
        _Table.of(Submission, SUBMISSION_FIELDS, now, prepared=RECEIVED_IN_SUBMISSION),
        submission_rows,
    )
    history = Submission.history.model
    stored_now = _stored_time(now)
    _write_rows(
        _Table.of(history, HISTORY_FIELDS, now, prepared=PREPARED_IN_HISTORY),
        [
            (*values, stored_now, history_id, stored_now, "+", HISTORY_REASON)
            for values, history_id in zip(
                submission_rows, _allocate_ids(history, count), strict=True
            )
        ],
    )
    stored_files = {
        vid: [_store_file(sid, attachment, content, saved) for attachment, content in row.files]
        for row, sid, vid in zip(rows, submission_ids, version_ids, strict=True)
        if row.files
    }
    _write_rows(
        _Table.of(SubmissionVersion, VERSION_FIELDS, now, prepared=PREPARED_IN_VERSION),
        [
            (
                vid,
                sid,
                1,
                row.answers_json,
                row.respondent_json,
                row.consent,
                row.language,
                row.attachment_digests_json,
                row.content_hash,
                row.received,
                row.timeliness,
            )
            for row, sid, vid in zip(rows, submission_ids, version_ids, strict=True)
        ],
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
    submission_id: int, attachment: Attachment, content: bytes, saved: list[tuple[Storage, str]]
) -> Attachment:
    attachment.submission_id = submission_id
    attachment.file.save(f"{uuid.uuid4().hex}.{attachment.kind}", ContentFile(content), save=False)
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
            # The sequence's name is looked up once: inside the query it would be, for every row.
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(table), pk])
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                [cursor.fetchone()[0], count],
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
        """``prepared``: given values already in their stored form: dates and times passed
        through _stored_time, JSON as its text."""
        by_name = {model_field.attname: model_field for model_field in model._meta.concrete_fields}
        unknown = set(given) - set(by_name)
        if unknown or len(set(given)) != len(given):
            raise ValueError(f"{model.__name__}: unknown or repeated field(s) in {given}")
        if not prepared <= set(given) or not all(
            isinstance(by_name[name], models.DateTimeField | models.JSONField) for name in prepared
        ):
            raise ValueError(f"{model.__name__}: only given dates, times and JSON come prepared")
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
            row = tuple(values) + defaults
            yield row + tuple(make() for make in fresh) if fresh else row


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
