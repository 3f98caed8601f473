"""Bulk import (all or nothing, line-numbered errors) and the staff export with stable columns."""

import base64
import csv
import io
import itertools
import json
import os
import re
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from consulta.submissions import bulk
from consulta.submissions.bulk import (
    EXPORT_COLUMNS,
    ImportFailed,
    read_records,
    submissions_export,
    submissions_import,
)
from consulta.submissions.models import (
    REFERENCE_ALPHABET,
    Attachment,
    Respondent,
    Submission,
    SubmissionVersion,
    canonical_hash,
)
from consulta.submissions.services import submission_decide_late
from consulta.submissions.signals import submissions_imported

pytestmark = pytest.mark.django_db


def line(**overrides):
    record = {
        "external_id": "mtg-1",
        "submitted_at": "2025-02-04T15:30:00+01:00",
        "source": "meeting",
        "language": "es",
        "consent": "publish_named",
        "respondent": {
            "name": "Lucía Ferreyra",
            "email": "lucia@example.org",
            "organisation": "Universidad del Litoral Digital",
            "stakeholder_type": "academia",
            "country": "AR",
            "on_behalf_of_organisation": True,
        },
        "answers": {"achievements": "La conectividad escolar creció.", "topics": ["ai", "iot"]},
    }
    record.update(overrides)
    return record


def jsonl(*records):
    return io.BytesIO("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode())


def test_it_imports_jsonl_lines_as_submitted_versions(open_call):
    result = submissions_import(
        call=open_call, records=read_records(jsonl(line(), line(external_id="mtg-2")), "jsonl")
    )
    assert result.created == 2
    submission = Submission.objects.get(external_id="mtg-1")
    assert submission.status == "submitted" and submission.source == "meeting"
    assert (
        submission.respondent.region == "americas"
        and submission.respondent.on_behalf_of_organisation
    )
    version = submission.current_version
    assert version.answers == {
        "achievements": "La conectividad escolar creció.",
        "topics": ["ai", "iot"],
    }
    assert version.content_hash == version.recompute_hash()


def test_it_stores_nothing_when_any_line_is_bad_and_names_each_line(open_call):
    records = jsonl(
        line(),
        line(external_id="x2", consent="maybe"),
        line(external_id="x3", respondent={**line()["respondent"], "country": "XK"}),
        line(external_id="x4", submitted_at="yesterday"),
        line(external_id="x5", answers={"nonsense": "?"}),
    )
    raw = records.getvalue() + b"{not json\n"
    with pytest.raises(ImportFailed) as failed:
        submissions_import(call=open_call, records=read_records(io.BytesIO(raw), "jsonl"))
    numbers = [number for number, _ in failed.value.errors]
    assert numbers == [2, 3, 4, 5, 6]
    report = failed.value.report()
    assert "line 2: consent must be one of" in report and "line 6: not valid JSON" in report
    assert "line 5: unknown question key(s): nonsense" in report
    assert not Submission.objects.exists()


@pytest.mark.parametrize("parse", [True, False])
def test_it_reads_a_byte_order_mark_and_blank_lines_and_counts_lines_as_an_editor_does(
    open_call, parse
):
    raw = (
        b"\xef\xbb\xbf"
        + jsonl(line()).getvalue()
        + b"\n  \r\n"
        + jsonl(line(external_id="x2", consent="maybe")).getvalue()
    )
    with pytest.raises(ImportFailed) as failed:
        submissions_import(
            call=open_call, records=read_records(io.BytesIO(raw), "jsonl", parse=parse)
        )
    assert [number for number, _ in failed.value.errors] == [4]
    submissions_import(
        call=open_call,
        records=read_records(io.BytesIO(raw.rsplit(b"\n", 2)[0]), "jsonl", parse=parse),
    )
    assert Submission.objects.get().external_id == "mtg-1"


def test_it_refuses_a_repeated_or_already_imported_external_id(open_call):
    with pytest.raises(ImportFailed, match="1 line"):
        submissions_import(call=open_call, records=read_records(jsonl(line(), line()), "jsonl"))
    submissions_import(call=open_call, records=read_records(jsonl(line()), "jsonl"))
    with pytest.raises(ImportFailed) as failed:
        submissions_import(call=open_call, records=read_records(jsonl(line()), "jsonl"))
    assert "already imported" in failed.value.report()
    skipped = submissions_import(
        call=open_call, records=read_records(jsonl(line()), "jsonl"), on_existing="skip"
    )
    assert (skipped.created, skipped.skipped_existing) == (0, 1)
    assert Submission.objects.count() == 1


def test_it_lets_a_meeting_input_come_without_an_email_but_not_a_form_input(open_call):
    person = {k: v for k, v in line()["respondent"].items() if k != "email"}
    submissions_import(
        call=open_call, records=read_records(jsonl(line(respondent=person)), "jsonl")
    )
    with pytest.raises(ImportFailed, match="1 line"):
        submissions_import(
            call=open_call,
            records=read_records(
                jsonl(line(external_id="f", source="form", respondent=person)), "jsonl"
            ),
        )


def test_it_flags_late_imports_by_the_calls_policy(open_call):
    submissions_import(
        call=open_call,
        records=read_records(jsonl(line(submitted_at="2025-03-16T09:00:00+01:00")), "jsonl"),
    )
    assert Submission.objects.get().late_review == "pending"


def test_it_imports_csv_and_xlsx_with_the_same_column_names(open_call):
    header = [
        "external_id",
        "submitted_at",
        "source",
        "language",
        "consent",
        "respondent.name",
        "respondent.email",
        "respondent.stakeholder_type",
        "respondent.country",
        "answers.achievements",
        "answers.topics",
    ]
    row = [
        "c1",
        "2025-02-01T10:00:00+00:00",
        "email",
        "ru",
        "private",
        "Иван Петров",
        "ivan@example.org",
        "government",
        "KZ",
        "Подключено 200 школ.",
        "ai | funding",
    ]
    text = io.StringIO()
    csv.writer(text).writerows([header, row])
    submissions_import(
        call=open_call, records=read_records(io.BytesIO(text.getvalue().encode()), "csv")
    )
    workbook = Workbook()
    workbook.active.append(header)
    workbook.active.append(["x1", *row[1:]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    submissions_import(call=open_call, records=read_records(buffer, "xlsx"))
    versions = SubmissionVersion.objects.order_by("submission__external_id")
    assert [v.answers["topics"] for v in versions] == [["ai", "funding"], ["ai", "funding"]]
    assert {v.submission.respondent.region for v in versions} == {"cis"}


def test_it_imports_attachments_checked_like_uploads(open_call):
    good = {
        "filename": "../paper.pdf",
        "content_base64": base64.b64encode(b"Texto del anexo.\n").decode(),
    }
    submissions_import(
        call=open_call, records=read_records(jsonl(line(attachments=[good])), "jsonl")
    )
    version = SubmissionVersion.objects.get()
    (attachment,) = version.attachments.all()
    assert attachment.name == "paper.txt" and "Texto del anexo." in attachment.text
    bad = {"filename": "virus.exe", "content_base64": base64.b64encode(b"MZ\x90\x00\x03").decode()}
    with pytest.raises(ImportFailed, match="1 line"):
        submissions_import(
            call=open_call,
            records=read_records(jsonl(line(external_id="z", attachments=[bad])), "jsonl"),
        )


def test_it_exports_stable_columns_in_every_format_and_defuses_formulas(open_call):
    submissions_import(
        call=open_call,
        records=read_records(
            jsonl(line(answers={"achievements": '=HYPERLINK("http://x")'})), "jsonl"
        ),
    )
    out = io.BytesIO()
    assert submissions_export(call=open_call, fmt="csv", stream=out) == 1
    rows = list(csv.reader(io.StringIO(out.getvalue().decode())))
    assert rows[0][: len(EXPORT_COLUMNS)] == list(EXPORT_COLUMNS)
    assert "respondent.email" in rows[0] and "answers.achievements" in rows[0]
    assert rows[1][rows[0].index("answers.achievements")] == '\'=HYPERLINK("http://x")'

    out = io.BytesIO()
    submissions_export(call=open_call, fmt="jsonl", stream=out)
    record = json.loads(out.getvalue())
    for key in ("reference", "consent", "status", "language", "respondent", "answers"):
        assert key in record
    assert (
        record["answers"]["achievements"] == '=HYPERLINK("http://x")'
    )  # JSON keeps the text exactly

    out = io.BytesIO()
    submissions_export(call=open_call, fmt="xlsx", stream=out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert [c.value for c in sheet[1]][:3] == ["reference", "external_id", "status"]


def test_it_round_trips_an_export_through_import(open_call):
    other = line(external_id="mtg-2", answers={"achievements": "Otra respuesta."})
    submissions_import(call=open_call, records=read_records(jsonl(line(), other), "jsonl"))
    out = io.BytesIO()
    submissions_export(call=open_call, fmt="jsonl", stream=out)
    Submission.objects.all().update(external_id="")  # pretend they came from elsewhere
    again = submissions_import(
        call=open_call, records=read_records(io.BytesIO(out.getvalue()), "jsonl")
    )
    assert again.created == 2
    hashes = Counter(SubmissionVersion.objects.values_list("content_hash", flat=True))
    assert sorted(hashes.values()) == [2, 2]  # each copy hashes exactly like its original


# ------------------------------------------------------------------ the set-based store


def stored_row(model, pk, *, ignore=()):
    """The row exactly as the database holds it (JSON as its stored text), by column name."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608
        names = [column[0] for column in cursor.description]
        values = cursor.fetchone()
    return {name: value for name, value in zip(names, values, strict=True) if name not in ignore}


def import_lines(call, *records):
    return submissions_import(call=call, records=read_records(jsonl(*records), "jsonl"))


def attachment(name, text):
    return {"filename": name, "content_base64": base64.b64encode(text.encode()).decode()}


ARABIC_LATE = line(
    external_id="ar-7",
    submitted_at="2025-03-16T09:00:00+01:00",
    source="letter",
    language="ar",
    consent="publish_anonymous",
    demo=True,
    respondent={
        "name": "  ليلى حداد ",
        "email": "Leila.Haddad@Example.ORG",
        "organisation": "جمعية التنمية الرقمية",
        "stakeholder_type": "civil_society",
        "country": "eg",
        "on_behalf_of_organisation": "yes",
    },
    answers={
        "achievements": "وصلت خدمات النطاق العريض إلى المدن.\r\n社区网络需要简便的许可程序。",
        "topics": ["iot", "ai", "iot"],
    },
)


def test_it_stores_every_column_as_the_orm_would(open_call):
    started = timezone.now()
    import_lines(open_call, ARABIC_LATE)
    finished = timezone.now()
    imported = Submission.objects.get(external_id="ar-7")
    received = datetime(2025, 3, 16, 8, 0, tzinfo=UTC)
    person = {
        "name": "ليلى حداد",
        "email": "leila.haddad@example.org",
        "organisation": "جمعية التنمية الرقمية",
        "on_behalf_of_organisation": True,
        "stakeholder_type": "civil_society",
        "country": "EG",
        "language": "ar",
        "region": "arab_states",
    }
    answers = {
        "achievements": "وصلت خدمات النطاق العريض إلى المدن.\n社区网络需要简便的许可程序。",
        "topics": ["iot", "ai"],
    }
    # The same submission written one object at a time through the ORM.
    twin = Submission.objects.create(
        call=open_call,
        reference="CONNECT-TWIN0001",
        respondent=Respondent.objects.create(**person),
        status="submitted",
        source="letter",
        language="ar",
        consent="publish_anonymous",
        version_count=1,
        first_submitted_at=received,
        last_submitted_at=received,
        late_review="pending",
        is_demo=True,
    )
    twin.current_version = SubmissionVersion.objects.create(
        submission=twin,
        number=1,
        answers=answers,
        respondent=person,
        consent="publish_anonymous",
        language="ar",
        attachment_digests=[],
        content_hash=canonical_hash(
            SubmissionVersion.hash_payload(
                answers=answers,
                respondent=person,
                consent="publish_anonymous",
                language="ar",
                attachment_digests=[],
            )
        ),
        received_at=received,
        timeliness="late_flagged",
    )
    twin.save()

    own = ("id", "reference", "external_id", "respondent_id", "current_version_id")
    moments = ("created_at", "updated_at", "resume_nonce")
    assert stored_row(Submission, imported.pk, ignore=own + moments) == stored_row(
        Submission, twin.pk, ignore=own + moments
    )
    assert stored_row(Respondent, imported.respondent_id, ignore=("id",)) == stored_row(
        Respondent, twin.respondent_id, ignore=("id",)
    )
    assert stored_row(
        SubmissionVersion, imported.current_version_id, ignore=("id", "submission_id")
    ) == stored_row(SubmissionVersion, twin.current_version_id, ignore=("id", "submission_id"))
    # And read back through the models, against values worked out by hand.
    assert imported.respondent.snapshot() == person
    version = imported.current_version
    assert (version.submission_id, version.number, version.answers) == (imported.pk, 1, answers)
    assert (imported.late_review, version.timeliness) == ("pending", "late_flagged")
    assert imported.is_demo and imported.status == "submitted" and imported.version_count == 1
    assert started <= imported.created_at <= finished and started <= imported.updated_at <= finished
    assert re.fullmatch(r"[0-9a-f]{32}", imported.resume_nonce)
    assert imported.draft_answers == {} and imported.draft_attachment_ids == []
    assert imported.draft_key is None and imported.late_reviewed_by is None


def test_it_starts_each_imported_submissions_audit_trail(open_call, secretariat):
    started = timezone.now()
    import_lines(open_call, line(), ARABIC_LATE)
    finished = timezone.now()
    for submission in Submission.objects.all():
        (created,) = submission.history.all()
        assert created.history_type == "+" and created.history_change_reason == "import"
        assert started <= created.history_date <= finished
        assert created.history_user is None
        assert created.instance.reference == submission.reference
        for name in ("status", "source", "consent", "external_id", "late_review", "is_demo"):
            assert getattr(created, name) == getattr(submission, name), name
        assert created.first_submitted_at == submission.first_submitted_at
        assert created.current_version_id == submission.current_version_id
    late = Submission.objects.get(external_id="ar-7")
    assert late.late_review == Submission.LateReview.PENDING
    submission_decide_late(submission=late, actor=secretariat, accept=True, reason="Sent by post.")
    assert [h.history_type for h in late.history.order_by("history_id")] == ["+", "~"]


def test_it_stores_a_content_hash_that_recomputes_from_the_stored_version(open_call):
    chinese = line(
        external_id="zh-1",
        language="zh",
        consent="private",
        respondent={**line()["respondent"], "name": "王芳", "country": "CN"},
        answers={"achievements": "社区网络需要简便的许可程序和频谱接入。", "topics": ["funding"]},
        attachments=[attachment("笔记.txt", "数字技能培训应首先面向教师。\n")],
    )
    import_lines(open_call, ARABIC_LATE, chinese, line())
    versions = SubmissionVersion.objects.all()
    assert len(versions) == 3
    for version in versions:
        assert version.content_hash == version.recompute_hash()
    zh = SubmissionVersion.objects.get(submission__external_id="zh-1")
    assert zh.content_hash == canonical_hash(
        SubmissionVersion.hash_payload(
            answers={
                "achievements": "社区网络需要简便的许可程序和频谱接入。",
                "topics": ["funding"],
            },
            respondent={**zh.submission.respondent.snapshot()},
            consent="private",
            language="zh",
            attachment_digests=[{"name": a.name, "sha256": a.sha256} for a in zh.attachments.all()],
        )
    )


def test_it_gives_rows_written_after_an_import_fresh_ids(open_call):
    import_lines(open_call, line(), line(external_id="mtg-2"))
    highest = {
        model: model.objects.order_by("-pk").values_list("pk", flat=True).first()
        for model in (Respondent, Submission, SubmissionVersion)
    }
    later = Submission.objects.create(
        call=open_call, reference="CONNECT-LATER001", respondent=Respondent.objects.create()
    )
    version = SubmissionVersion.objects.create(
        submission=later,
        number=1,
        consent="private",
        content_hash="0" * 64,
        received_at=timezone.now(),
        timeliness="on_time",
    )
    assert later.pk > highest[Submission] and later.respondent_id > highest[Respondent]
    assert version.pk > highest[SubmissionVersion]


def test_it_never_reuses_the_ids_of_rows_deleted_before_an_import(open_call):
    import_lines(open_call, line(), line(external_id="mtg-2"))
    gone = {
        model: max(model.objects.values_list("pk", flat=True))
        for model in (Respondent, Submission, SubmissionVersion)
    }
    Submission.objects.all().delete()
    Respondent.objects.all().delete()
    import_lines(open_call, line(external_id="mtg-3"))
    again = Submission.objects.get()
    assert again.pk > gone[Submission] and again.respondent_id > gone[Respondent]
    assert again.current_version_id > gone[SubmissionVersion]
    after = Submission.objects.create(
        call=open_call, reference="CONNECT-AFTER001", respondent=Respondent.objects.create()
    )
    assert after.pk > again.pk and after.respondent_id > again.respondent_id


def test_it_keeps_file_order_and_links_across_batches(open_call, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH", 2)
    records = [
        line(external_id=f"b{n}", respondent={**line()["respondent"], "name": f"Persona {n}"})
        for n in range(5)
    ]
    result = import_lines(open_call, *records)
    submissions = list(
        Submission.objects.select_related("respondent", "current_version").order_by("pk")
    )
    assert [s.external_id for s in submissions] == ["b0", "b1", "b2", "b3", "b4"]
    assert result.references == [s.reference for s in submissions]
    assert [s.respondent.name for s in submissions] == [f"Persona {n}" for n in range(5)]
    assert all(s.current_version.submission_id == s.pk for s in submissions)
    for earlier, later in itertools.pairwise(submissions):
        assert earlier.respondent_id < later.respondent_id
        assert earlier.current_version_id < later.current_version_id
    assert len({s.resume_nonce for s in submissions}) == 5


@pytest.fixture
def second_batch_clashes(monkeypatch):
    """Batches of two, the second given a reference the first already took: its write fails after
    the first batch's. Yields the references drawn for each batch."""
    monkeypatch.setattr(bulk, "BATCH", 2)
    drawn: list[list[str]] = []
    draw = bulk._references

    def references_reusing_one_of_the_first_batch(call, count):
        made = draw(call, count)
        if drawn:
            taken = drawn[0][0]
            assert Submission.objects.filter(reference=taken).exists()  # the first batch is in
            made[0] = taken
        drawn.append(made)
        return made

    monkeypatch.setattr(bulk, "_references", references_reusing_one_of_the_first_batch)
    return drawn


def test_it_stores_nothing_when_a_later_batch_fails_to_write(open_call, second_batch_clashes):
    drawn = second_batch_clashes
    announced = []
    submissions_imported.connect(announced.append, weak=False, dispatch_uid="test-announced")
    try:
        with pytest.raises(IntegrityError):
            import_lines(open_call, *(line(external_id=f"f{n}") for n in range(4)))
    finally:
        submissions_imported.disconnect(dispatch_uid="test-announced")
    assert len(drawn) == 2
    assert not Submission.objects.exists() and not Respondent.objects.exists()
    assert not SubmissionVersion.objects.exists() and announced == []


def test_it_leaves_no_attachment_file_behind_when_a_later_batch_fails(
    open_call, monkeypatch, settings, second_batch_clashes
):
    written = []
    store = bulk._store_file

    def store_and_note(*args):
        attachment = store(*args)
        written.append(attachment.file.path)
        return attachment

    monkeypatch.setattr(bulk, "_store_file", store_and_note)
    with pytest.raises(IntegrityError):
        import_lines(
            open_call,
            line(external_id="f0", attachments=[attachment("carta.txt", "Datos personales.\n")]),
            *(line(external_id=f"f{n}") for n in range(1, 4)),
        )
    assert len(written) == 1  # the first batch's file was written, then the import failed
    uploads = settings.MEDIA_ROOT
    assert [p for p in uploads.rglob("*") if p.is_file()] == []
    assert not Attachment.objects.exists()


def test_it_links_attachments_in_a_file_where_only_some_lines_have_them(open_call, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH", 2)
    import_lines(
        open_call,
        line(external_id="a1", attachments=[attachment("uno.txt", "Primer anexo.\n")]),
        line(external_id="a2"),
        line(
            external_id="a3",
            attachments=[
                attachment("zeta.txt", "Último anexo.\n"),
                attachment("alfa.txt", "Anexo del medio.\n"),
            ],
        ),
        line(external_id="a4"),
    )
    names = {}
    for submission in Submission.objects.select_related("current_version"):
        version = submission.current_version
        linked = sorted(a.name for a in version.attachments.all())
        assert linked == sorted(a.name for a in submission.attachments.all())
        assert version.attachment_digests == sorted(
            ({"name": a.name, "sha256": a.sha256} for a in version.attachments.all()),
            key=lambda d: (d["name"], d["sha256"]),
        )
        assert version.content_hash == version.recompute_hash()
        names[submission.external_id] = linked
    assert names == {"a1": ["uno.txt"], "a2": [], "a3": ["alfa.txt", "zeta.txt"], "a4": []}
    text = {a.name: a.file.read().decode() for a in Attachment.objects.all()}
    assert text == {
        "uno.txt": "Primer anexo.\n",
        "zeta.txt": "Último anexo.\n",
        "alfa.txt": "Anexo del medio.\n",
    }


def test_it_announces_the_import_once_committed(open_call, django_capture_on_commit_callbacks):
    announced = []

    def receive(sender, call, references, **kwargs):
        announced.append((call, list(references)))

    submissions_imported.connect(receive, weak=False, dispatch_uid="test-announced")
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            result = import_lines(open_call, line(), line(external_id="mtg-2"))
        assert announced == []
        for callback in callbacks:
            callback()
    finally:
        submissions_imported.disconnect(dispatch_uid="test-announced")
    assert announced == [(open_call, result.references)]


def test_it_draws_import_references_evenly_from_the_whole_alphabet(open_call):
    from scipy.stats import chisquare

    references = bulk._references(open_call, 10_000)
    assert len(set(references)) == 10_000
    symbols = [reference.removeprefix("CONNECT-") for reference in references]
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{8}", s) for s in symbols)
    # One chance in a million for a fair draw to fail, at each position.
    for position in range(8):
        counts = Counter(s[position] for s in symbols)
        assert chisquare([counts[c] for c in REFERENCE_ALPHABET]).pvalue > 1e-6, counts


def test_it_draws_again_a_reference_that_a_submission_already_has(open_call, monkeypatch):
    taken = import_lines(open_call, line()).references[0]
    draws = []
    draw = bulk.secrets.token_bytes

    def first_the_taken_one(count):
        draws.append(count)
        if len(draws) == 1:  # the bytes whose symbols spell the taken reference
            return bytes(REFERENCE_ALPHABET.index(c) for c in taken.removeprefix("CONNECT-"))
        return draw(count)

    monkeypatch.setattr(bulk.secrets, "token_bytes", first_the_taken_one)
    again = bulk._references(open_call, 1)
    assert len(draws) == 2 and again != [taken]
    assert re.fullmatch(r"CONNECT-[0-9A-HJKMNP-TV-Z]{8}", again[0])


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_it_looks_up_earlier_imports_through_an_index_not_a_scan_of_the_call(open_call):
    """Each batch asks which of its external ids were imported before: a scan of the call's
    submissions there makes an import's time grow with the square of its size."""
    import_lines(open_call, line())
    with CaptureQueriesContext(connection) as queries:
        assert bulk._submissions_having("external_id", {"mtg-1", "mtg-2"}, call=open_call) == {
            "mtg-1"
        }
        assert bulk._submissions_having("reference", {"CONNECT-NOTTAKEN"}) == set()
    for query in queries.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "SEARCH submissions_submission USING COVERING INDEX" in plan, plan


@pytest.mark.parametrize("jobs", [1, 2])
def test_it_reports_every_bad_line_even_after_batches_were_written(open_call, monkeypatch, jobs):
    monkeypatch.setattr(bulk, "BATCH", 2)
    monkeypatch.setattr(bulk, "CHECK_CHUNK", 2)
    written = []
    store = bulk._store_batch

    def store_and_count(call, rows, *args):
        written.append(len(rows))
        return store(call, rows, *args)

    monkeypatch.setattr(bulk, "_store_batch", store_and_count)
    raw = (
        jsonl(*(line(external_id=f"g{n}") for n in range(4))).getvalue()
        + b'{"external_id": "g4"\n'
        + jsonl(line(external_id="g5", consent="maybe")).getvalue()
        + '{"external_id": "g6", "answers": {"achievements": "caf\u00e9"}}\n'.encode("latin-1")
        + jsonl(line(external_id="g7")).getvalue()
    )
    announced = []
    submissions_imported.connect(announced.append, weak=False, dispatch_uid="test-announced")
    try:
        with pytest.raises(ImportFailed) as failed:
            submissions_import(
                call=open_call,
                records=read_records(io.BytesIO(raw), "jsonl", parse=False),
                jobs=jobs,
            )
    finally:
        submissions_imported.disconnect(dispatch_uid="test-announced")
    assert written == [2, 2]  # lines 1-4 went in before line 5 was found bad
    assert [number for number, _ in failed.value.errors] == [5, 6, 7]
    assert "line 7: not valid UTF-8 text" in failed.value.report()
    assert not Submission.objects.exists() and not Respondent.objects.exists()
    assert not SubmissionVersion.objects.exists() and announced == []


def test_it_checks_lines_in_worker_processes_and_stores_them_in_file_order(
    open_call, monkeypatch, tmp_path
):
    monkeypatch.setattr(bulk, "BATCH", 3)
    monkeypatch.setattr(bulk, "CHECK_CHUNK", 2)
    checked_in = tmp_path / "pids"
    check = bulk._check

    def check_and_note_process(*args):
        with checked_in.open("a") as note:
            note.write(f"{os.getpid()}\n")
        return check(*args)

    monkeypatch.setattr(bulk, "_check", check_and_note_process)
    records = [
        line(
            external_id=f"w{n}",
            answers={"achievements": f"Avance número {n}.", "topics": ["ai"] if n % 2 else []},
        )
        for n in range(8)
    ]
    records[5]["attachments"] = [attachment("acta.txt", "Acta de la reunión.\n")]
    result = submissions_import(
        call=open_call, records=read_records(jsonl(*records), "jsonl", parse=False), jobs=2
    )
    pids = set(checked_in.read_text().split())
    assert str(os.getpid()) not in pids and 1 <= len(pids) <= 2
    submissions = list(Submission.objects.select_related("current_version").order_by("pk"))
    assert [s.external_id for s in submissions] == [f"w{n}" for n in range(8)]
    assert result.references == [s.reference for s in submissions]
    for n, submission in enumerate(submissions):
        version = submission.current_version
        assert version.answers["achievements"] == f"Avance número {n}."
        assert version.content_hash == version.recompute_hash()
    with_file = submissions[5].current_version
    assert [a.name for a in with_file.attachments.all()] == ["acta.txt"]
    assert with_file.attachment_digests[0]["name"] == "acta.txt"
