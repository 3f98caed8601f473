"""Open data: the published contributions as CSV and JSON, with their licence and a data dictionary."""

import csv
import io
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import StreamingHttpResponse

from consulta.accounts.actors import SYSTEM
from consulta.calls.seeding import call_seed
from consulta.publication import opendata
from consulta.publication.demo import publish_demo
from consulta.publication.models import Contribution, PublicationPolicy
from consulta.publication.selectors import public_contributions
from consulta.publication.services import (
    contribution_approve,
    contribution_reject,
    contribution_sync,
    contributions_sync_call,
)
from consulta.submissions.bulk import submissions_import
from consulta.submissions.demo import load_demo_submissions
from consulta.submissions.models import Respondent, Submission
from consulta.submissions.services import submission_withdraw

pytestmark = pytest.mark.django_db
GENEVA = ZoneInfo("Europe/Zurich")
WSIS20_COLUMNS = [
    "reference",
    "call",
    "url",
    "received_at",
    "language",
    "stakeholder_type",
    "country",
    "region",
    "publication",
    "author_name",
    "author_organisation",
    "answers.achievements_challenges",
    "answers.alignment_2030",
    "answers.emerging_trends",
    "answers.beyond_2025",
    "answers.action_lines_review",
    "attachments",
    "licence",
    "licence_url",
]


@pytest.fixture
def wsis20():
    call = call_seed(slug="wsis20").call
    load_demo_submissions(call=call)
    publish_demo(call=call)
    return call


@pytest.fixture
def seeded():
    """The WSIS+20 call without its demo submissions."""
    return call_seed(slug="wsis20").call


def _download(client, call, fmt, prefix="en"):
    response = client.get(f"/{prefix}/calls/{call.slug}/open-data/contributions.{fmt}")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    return response, b"".join(response.streaming_content)


def _csv_rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for spreadsheet programs
    reader = csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    assert reader.fieldnames == WSIS20_COLUMNS
    return list(reader)


def _record(external_id, consent, answer="Affordable access.", **respondent):
    person = {
        "name": f"Person {external_id}",
        "email": f"{external_id}@example.org",
        "organisation": f"Organisation {external_id}",
        "stakeholder_type": "civil_society",
        "country": "SN",
        "language": "fr",
    }
    person.update(respondent)
    return {
        "external_id": external_id,
        "submitted_at": "2025-02-10T10:00:00+01:00",
        "source": "email",
        "language": person["language"],
        "consent": consent,
        "respondent": person,
        "answers": {"achievements_challenges": answer},
    }


def _import(call, records) -> dict[str, Contribution | None]:
    """Store the records through the real import, then let publication follow; by external id."""
    submissions_import(call=call, records=enumerate(records, start=1))
    submissions = {s.external_id: s for s in Submission.objects.filter(call=call)}
    contributions_sync_call(references=[s.reference for s in submissions.values()])
    return {
        key: Contribution.objects.filter(submission=s).first() for key, s in submissions.items()
    }


def test_it_downloads_exactly_the_published_contributions_as_csv(client, wsis20):
    with time_machine.travel(datetime(2025, 4, 2, 10, 0, tzinfo=GENEVA), tick=False):
        response, body = _download(client, wsis20, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="wsis20-contributions-2025-04-02.csv"'
    )
    rows = _csv_rows(body)
    published = set(public_contributions(wsis20).values_list("reference", flat=True))
    private = set(
        Submission.objects.filter(call=wsis20, consent="private").values_list(
            "reference", flat=True
        )
    )
    assert len(rows) == len(published) == 82 and len(private) == 14
    assert {row["reference"] for row in rows} == published
    assert not private & {row["reference"] for row in rows}
    # Oldest first, times with the call's UTC offset.
    stamps = [datetime.fromisoformat(row["received_at"]) for row in rows]
    assert stamps == sorted(stamps)
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", row["received_at"])
        for row in rows
    )
    for row in rows:
        assert row["call"] == "wsis20"
        assert row["url"] == f"http://testserver/en/contributions/{row['reference']}/"
        assert (
            row["licence"] == "CC-BY-4.0"
            and row["licence_url"] == "https://creativecommons.org/licenses/by/4.0/"
        )
        assert row["publication"] in ("named", "anonymous")
        if row["publication"] == "anonymous":
            assert row["author_name"] == row["author_organisation"] == ""
    named = [row for row in rows if row["publication"] == "named"]
    assert named and all(row["author_name"] for row in named)
    assert all(row["answers.achievements_challenges"] for row in rows)
    # No e-mail address anywhere: no column for it, and none of the respondents' addresses in the file.
    assert not [column for column in WSIS20_COLUMNS if "mail" in column]
    text = body.decode("utf-8-sig")
    emails = [
        e
        for e in Respondent.objects.filter(submission__call=wsis20).values_list("email", flat=True)
        if e
    ]
    assert emails and not [e for e in emails if e in text]
    # Attachments are links to the public file view, which serves them.
    links = [link for row in rows for link in row["attachments"].split()]
    assert links and all(
        re.fullmatch(r"http://testserver/en/contributions/[\w-]+/files/\d+/", link)
        for link in links
    )
    assert client.get(links[0].removeprefix("http://testserver")).status_code == 200


def test_it_downloads_the_same_contributions_as_one_json_object(client, wsis20):
    _, csv_body = _download(client, wsis20, "csv")
    response, body = _download(client, wsis20, "json", prefix="fr")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="wsis20-contributions-\d{4}-\d\d-\d\d\.json"',
        response["Content-Disposition"],
    )
    data = json.loads(body)
    assert list(data) == [
        "call",
        "licence",
        "generated_at",
        "dictionary",
        "columns",
        "contributions",
    ]
    assert data["licence"] == {
        "id": "CC-BY-4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert data["call"]["slug"] == "wsis20" and data["call"]["title"]["fr"].startswith(
        "Examen SMSI+20"
    )
    assert datetime.fromisoformat(data["generated_at"]).tzinfo is not None
    assert data["columns"] == WSIS20_COLUMNS
    rows = _csv_rows(csv_body)
    records = data["contributions"]
    assert [r["reference"] for r in records] == [
        r["reference"] for r in rows
    ]  # same order as the CSV
    for record, row in zip(records, rows, strict=True):
        assert list(record) == WSIS20_COLUMNS
        assert (
            isinstance(record["attachments"], list)
            and " ".join(record["attachments"]) == row["attachments"]
        )
        for column in WSIS20_COLUMNS:
            value = record[column]
            if column.startswith("answers.") and value is None:
                assert row[column] == ""
            elif isinstance(value, str) and not value.startswith(opendata.FORMULA_STARTS):
                assert row[column] == value, column
        # The English link whatever the language of the download: the file is the same for everyone.
        assert record["url"].startswith("http://testserver/en/contributions/")
    assert not [key for record in records for key in record if "mail" in key]
    emails = [
        e
        for e in Respondent.objects.filter(submission__call=wsis20).values_list("email", flat=True)
        if e
    ]
    assert emails and not [e for e in emails if e in body.decode()]


def test_it_leaves_out_private_pending_rejected_and_withdrawn_contributions(client, seeded):
    contributions = _import(
        seeded,
        [
            _record("named", "publish_named"),
            _record("anonymous", "publish_anonymous"),
            _record("private", "private"),
            _record("rejected", "publish_named"),
            _record("pending", "publish_named"),
            _record("withdrawn", "publish_anonymous"),
        ],
    )
    assert contributions["private"] is None  # never even a public row
    for key in ("named", "anonymous", "withdrawn"):
        contribution_approve(actor=SYSTEM, contribution=contributions[key])
    contribution_reject(actor=SYSTEM, contribution=contributions["rejected"], reason="off topic")
    withdrawn = contributions["withdrawn"].submission
    submission_withdraw(submission=withdrawn)
    contribution_sync(submission=withdrawn)

    rows = _csv_rows(_download(client, seeded, "csv")[1])
    by_reference = {row["reference"]: row for row in rows}
    assert set(by_reference) == {
        contributions["named"].reference,
        contributions["anonymous"].reference,
    }
    named = by_reference[contributions["named"].reference]
    assert (named["publication"], named["author_name"], named["author_organisation"]) == (
        "named",
        "Person named",
        "Organisation named",
    )
    anonymous = by_reference[contributions["anonymous"].reference]
    assert (
        anonymous["publication"],
        anonymous["author_name"],
        anonymous["author_organisation"],
    ) == (
        "anonymous",
        "",
        "",
    )
    assert (
        anonymous["stakeholder_type"],
        anonymous["country"],
        anonymous["region"],
        anonymous["language"],
    ) == (
        "civil_society",
        "SN",
        "africa",
        "fr",
    )
    records = json.loads(_download(client, seeded, "json")[1])["contributions"]
    assert {r["reference"] for r in records} == set(by_reference)
    body = _download(client, seeded, "csv")[1] + _download(client, seeded, "json")[1]
    for secret in (
        b"Person anonymous",
        b"Organisation anonymous",
        b"@example.org",
        b"Person private",
        b"Person pending",
    ):
        assert secret not in body


def test_it_defuses_spreadsheet_formulas_in_csv_and_keeps_json_text_as_written(client, seeded):
    answers = [
        '=HYPERLINK("http://example.com","click")',
        "+41 22 730 51 11",
        "-2+3",
        "@SUM(A1:A2)",
        "A plain = sign",
    ]
    contributions = _import(
        seeded,
        [_record(f"f{i}", "publish_named", answer=a) for i, a in enumerate(answers)]
        + [_record("name", "publish_named", name="=1+1", organisation="@org")],
    )
    for contribution in contributions.values():
        contribution_approve(actor=SYSTEM, contribution=contribution)
    rows = {row["reference"]: row for row in _csv_rows(_download(client, seeded, "csv")[1])}
    for i, answer in enumerate(answers):
        cell = rows[contributions[f"f{i}"].reference]["answers.achievements_challenges"]
        assert cell == (answer if answer == "A plain = sign" else "'" + answer)
    named = rows[contributions["name"].reference]
    assert (named["author_name"], named["author_organisation"]) == ("'=1+1", "'@org")
    assert (
        opendata.defuse("\tx") == "'\tx"
        and opendata.defuse("\rx") == "'\rx"
        and opendata.defuse("") == ""
    )
    records = {
        r["reference"]: r for r in json.loads(_download(client, seeded, "json")[1])["contributions"]
    }
    assert records[contributions["f0"].reference]["answers.achievements_challenges"] == answers[0]
    assert records[contributions["name"].reference]["author_name"] == "=1+1"


def test_it_carries_the_licence_chosen_for_the_call(client, seeded):
    contributions = _import(seeded, [_record("one", "publish_anonymous")])
    contribution_approve(actor=SYSTEM, contribution=contributions["one"])
    PublicationPolicy.objects.filter(call=seeded).update(
        licence="CC0-1.0", licence_url="https://creativecommons.org/publicdomain/zero/1.0/"
    )
    (row,) = _csv_rows(_download(client, seeded, "csv")[1])
    assert (row["licence"], row["licence_url"]) == (
        "CC0-1.0",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    )
    data = json.loads(_download(client, seeded, "json")[1])
    assert data["licence"]["id"] == "CC0-1.0" and data["contributions"][0]["licence"] == "CC0-1.0"
    page = client.get("/en/calls/wsis20/open-data/dictionary/").content.decode()
    assert "Creative Commons Zero 1.0 Universal (CC0 1.0)" in page
    assert (
        'href="https://creativecommons.org/publicdomain/zero/1.0/" rel="license noopener"' in page
    )


def test_it_writes_an_empty_file_with_its_header_when_nothing_is_published(client, seeded):
    body = _download(client, seeded, "csv")[1]
    assert body.decode("utf-8-sig") == ",".join(WSIS20_COLUMNS) + "\r\n"
    data = json.loads(_download(client, seeded, "json")[1])
    assert data["contributions"] == [] and data["columns"] == WSIS20_COLUMNS


def test_it_answers_404_for_unknown_formats_and_unpublished_calls(
    client, make_call, seeded, secretariat
):
    assert client.get("/en/calls/wsis20/open-data/contributions.xlsx").status_code == 404
    assert client.get("/en/calls/wsis20/open-data/contributions.jsonl").status_code == 404
    assert client.get("/en/calls/nowhere/open-data/contributions.csv").status_code == 404
    make_call(slug="draft-call", published=False)
    for url in (
        "/en/calls/draft-call/open-data/contributions.csv",
        "/en/calls/draft-call/open-data/contributions.json",
        "/en/calls/draft-call/open-data/dictionary/",
        "/en/calls/draft-call/open-data/dictionary/?format=json",
    ):
        assert client.get(url).status_code == 404, url
    client.force_login(secretariat)  # staff preparing the call may check the files before it opens
    assert client.get("/en/calls/draft-call/open-data/contributions.csv").status_code == 200


def test_it_describes_every_column_in_the_data_dictionary(client, seeded):
    page = client.get("/fr/calls/wsis20/open-data/dictionary/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="fr"' in html
    assert (
        re.findall(r'<th scope="row"><code dir="ltr">([\w.]+)</code></th>', html) == WSIS20_COLUMNS
    )
    prompt = seeded.questions.get(key="beyond_2025").translated("prompt", "fr").text
    assert prompt in html  # the questions in the reader's language
    assert (
        "Creative Commons Attribution 4.0 International (CC BY 4.0)" in html and "CC-BY-4.0" in html
    )
    assert 'href="/fr/calls/wsis20/open-data/contributions.csv"' in html
    assert "Gouvernement" in html or "government" in html

    data = client.get("/fr/calls/wsis20/open-data/dictionary/?format=json").json()
    assert [c["name"] for c in data["columns"]] == WSIS20_COLUMNS
    assert all(c["type"] and c["description"] for c in data["columns"])
    assert data["licence"] == {
        "id": "CC-BY-4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
        "name": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    }
    assert data["formats"]["csv"].endswith("/calls/wsis20/open-data/contributions.csv")
    assert prompt in next(
        c["description"] for c in data["columns"] if c["name"] == "answers.beyond_2025"
    )
    assert data["language"] == "fr"


def test_it_limits_how_often_one_address_downloads_everything(client, seeded, settings):
    settings.CONSULTA_OPEN_DATA_RATE = "2/h"
    assert client.get("/en/calls/wsis20/open-data/contributions.csv").status_code == 200
    assert client.get("/en/calls/wsis20/open-data/contributions.json").status_code == 200
    refused = client.get("/en/calls/wsis20/open-data/contributions.csv")
    assert refused.status_code == 429 and refused["Retry-After"] == "600"
    assert client.get("/en/calls/wsis20/open-data/dictionary/").status_code == 200  # not limited
