"""`consulta import --call SLUG FILE`: all or nothing, with the bad lines listed for the secretariat."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from consulta.submissions import bulk
from consulta.submissions.models import Submission

pytestmark = pytest.mark.django_db


def contribution(number, **overrides):
    record = {
        "external_id": f"letter-{number}",
        "submitted_at": "2025-02-10T09:00:00+00:00",
        "source": "letter",
        "language": "fr",
        "consent": "publish_anonymous",
        "respondent": {
            "name": f"Auteur {number}",
            "organisation": "Ministère du numérique",
            "stakeholder_type": "government",
            "country": "SN",
        },
        "answers": {"achievements": f"Contribution reçue par courrier, numéro {number}."},
    }
    record.update(overrides)
    return record


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_a_file_with_checking_workers_and_says_how_many(
    open_call, tmp_path, monkeypatch
):
    monkeypatch.setattr(bulk, "CHECK_CHUNK", 2)
    path = write_jsonl(tmp_path / "letters.jsonl", [contribution(n) for n in range(5)])
    out, _ = run("--call", "connect", path, "--jobs", "2")
    assert "Imported 5 submission(s) into connect." in out
    stored = Submission.objects.filter(call=open_call).order_by("pk")
    assert [s.external_id for s in stored] == [f"letter-{n}" for n in range(5)]
    assert {s.source for s in stored} == {"letter"}


def test_it_lists_the_bad_lines_and_imports_nothing(open_call, tmp_path):
    records = [contribution(1), contribution(2, consent="perhaps"), contribution(3)]
    path = write_jsonl(tmp_path / "letters.jsonl", records)
    with pytest.raises(CommandError, match=r"Nothing was imported: 1 line\(s\) need fixing"):
        call_command("import", "--call", "connect", str(path), stderr=(err := io.StringIO()))
    assert "line 2: consent must be one of" in err.getvalue()
    assert not Submission.objects.exists()


def test_it_skips_lines_imported_before_only_when_asked(open_call, tmp_path):
    path = write_jsonl(tmp_path / "letters.jsonl", [contribution(1), contribution(2)])
    run("--call", "connect", path)
    with pytest.raises(CommandError, match="Nothing was imported"):
        run("--call", "connect", path)
    both = write_jsonl(tmp_path / "more.jsonl", [contribution(2), contribution(3)])
    out, _ = run("--call", "connect", both, "--skip-existing")
    assert "Imported 1 submission(s)" in out and "Skipped 1 already imported." in out
    assert Submission.objects.count() == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--call", "nowhere", "letters.jsonl"), "No call with the short name 'nowhere'"),
        (("--call", "connect", "missing.jsonl"), "No such file"),
        (("--call", "connect", "letters.txt"), "Cannot tell the format"),
        (("--call", "connect", "letters.jsonl", "--jobs", "0"), "--jobs must be 1 or more"),
    ],
)
def test_it_refuses_what_it_cannot_import_with_a_clear_message(
    open_call, tmp_path, monkeypatch, args, message
):
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "letters.jsonl", [contribution(1)])
    write_jsonl(tmp_path / "letters.txt", [contribution(1)])
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not Submission.objects.exists()
