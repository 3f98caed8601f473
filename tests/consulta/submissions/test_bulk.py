"""Bulk import (all or nothing, line-numbered errors) and the staff export with stable columns."""

import base64
import csv
import io
import json

import pytest
from openpyxl import Workbook, load_workbook

from consulta.submissions.bulk import (
    EXPORT_COLUMNS,
    ImportFailed,
    read_records,
    submissions_export,
    submissions_import,
)
from consulta.submissions.models import Submission, SubmissionVersion

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
    result = submissions_import(call=open_call, records=read_records(jsonl(line(), line(external_id="mtg-2")), "jsonl"))
    assert result.created == 2
    submission = Submission.objects.get(external_id="mtg-1")
    assert submission.status == "submitted" and submission.source == "meeting"
    assert submission.respondent.region == "americas" and submission.respondent.on_behalf_of_organisation
    version = submission.current_version
    assert version.answers == {"achievements": "La conectividad escolar creció.", "topics": ["ai", "iot"]}
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


def test_it_refuses_a_repeated_or_already_imported_external_id(open_call):
    with pytest.raises(ImportFailed, match="1 line"):
        submissions_import(call=open_call, records=read_records(jsonl(line(), line()), "jsonl"))
    submissions_import(call=open_call, records=read_records(jsonl(line()), "jsonl"))
    with pytest.raises(ImportFailed) as failed:
        submissions_import(call=open_call, records=read_records(jsonl(line()), "jsonl"))
    assert "already imported" in failed.value.report()
    skipped = submissions_import(call=open_call, records=read_records(jsonl(line()), "jsonl"), on_existing="skip")
    assert (skipped.created, skipped.skipped_existing) == (0, 1)
    assert Submission.objects.count() == 1


def test_it_lets_a_meeting_input_come_without_an_email_but_not_a_form_input(open_call):
    person = {k: v for k, v in line()["respondent"].items() if k != "email"}
    submissions_import(call=open_call, records=read_records(jsonl(line(respondent=person)), "jsonl"))
    with pytest.raises(ImportFailed, match="1 line"):
        submissions_import(
            call=open_call, records=read_records(jsonl(line(external_id="f", source="form", respondent=person)), "jsonl")
        )


def test_it_flags_late_imports_by_the_calls_policy(open_call):
    submissions_import(call=open_call, records=read_records(jsonl(line(submitted_at="2025-03-16T09:00:00+01:00")), "jsonl"))
    assert Submission.objects.get().late_review == "pending"


def test_it_imports_csv_and_xlsx_with_the_same_column_names(open_call):
    header = ["external_id", "submitted_at", "source", "language", "consent", "respondent.name",
              "respondent.email", "respondent.stakeholder_type", "respondent.country", "answers.achievements",
              "answers.topics"]
    row = ["c1", "2025-02-01T10:00:00+00:00", "email", "ru", "private", "Иван Петров", "ivan@example.org",
           "government", "KZ", "Подключено 200 школ.", "ai | funding"]
    text = io.StringIO()
    csv.writer(text).writerows([header, row])
    submissions_import(call=open_call, records=read_records(io.BytesIO(text.getvalue().encode()), "csv"))
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
    good = {"filename": "../paper.pdf", "content_base64": base64.b64encode(b"Texto del anexo.\n").decode()}
    submissions_import(call=open_call, records=read_records(jsonl(line(attachments=[good])), "jsonl"))
    version = SubmissionVersion.objects.get()
    (attachment,) = version.attachments.all()
    assert attachment.name == "paper.txt" and "Texto del anexo." in attachment.text
    bad = {"filename": "virus.exe", "content_base64": base64.b64encode(b"MZ\x90\x00\x03").decode()}
    with pytest.raises(ImportFailed, match="1 line"):
        submissions_import(call=open_call, records=read_records(jsonl(line(external_id="z", attachments=[bad])), "jsonl"))


def test_it_exports_stable_columns_in_every_format_and_defuses_formulas(open_call):
    submissions_import(
        call=open_call,
        records=read_records(jsonl(line(answers={"achievements": "=HYPERLINK(\"http://x\")"})), "jsonl"),
    )
    out = io.BytesIO()
    assert submissions_export(call=open_call, fmt="csv", stream=out) == 1
    rows = list(csv.reader(io.StringIO(out.getvalue().decode())))
    assert rows[0][: len(EXPORT_COLUMNS)] == list(EXPORT_COLUMNS)
    assert "respondent.email" in rows[0] and "answers.achievements" in rows[0]
    assert rows[1][rows[0].index("answers.achievements")] == "'=HYPERLINK(\"http://x\")"

    out = io.BytesIO()
    submissions_export(call=open_call, fmt="jsonl", stream=out)
    record = json.loads(out.getvalue())
    for key in ("reference", "consent", "status", "language", "respondent", "answers"):
        assert key in record
    assert record["answers"]["achievements"] == "=HYPERLINK(\"http://x\")"  # JSON keeps the text exactly

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
    again = submissions_import(call=open_call, records=read_records(io.BytesIO(out.getvalue()), "jsonl"))
    assert again.created == 2
    from collections import Counter

    hashes = Counter(SubmissionVersion.objects.values_list("content_hash", flat=True))
    assert sorted(hashes.values()) == [2, 2]  # each copy hashes exactly like its original
