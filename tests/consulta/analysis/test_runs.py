"""Analysis runs: chunked, resumable, repeatable, and only for analysts."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from consulta.analysis import services
from consulta.analysis.models import AnalysisRun, AuditEvent, CodeAssignment, RunChunk

pytestmark = pytest.mark.django_db


def test_it_splits_a_run_into_chunks_and_codes_every_response(finished_run):
    assert finished_run.status == AnalysisRun.Status.DONE and finished_run.progress == 1.0
    assert finished_run.chunks_total == 3 and finished_run.chunks_done == 3
    coded_versions = set(finished_run.assignments.values_list("version_id", flat=True))
    assert len(coded_versions) >= 10
    codebooks = set(finished_run.assignments.values_list("codebook", flat=True))
    assert {"wsis-action-lines", "sdgs", "trends", "challenges"} <= codebooks
    assignment = finished_run.assignments.filter(codebook="trends", code="ai").first()
    text = assignment.version.answers[assignment.question_key]
    start, end = assignment.spans[0]
    assert text[start:end].strip() and assignment.capability == "lexical"


def test_it_gives_the_same_codes_for_the_same_input(small_call, analyst):
    first = services.analysis_run_inline(run=services.analysis_start(actor=analyst, call=small_call, chunk_size=5))
    second = services.analysis_run_inline(run=services.analysis_start(actor=analyst, call=small_call, chunk_size=3))
    assert first.input_hash == second.input_hash

    def rows(run):
        return sorted(run.assignments.values_list("version_id", "question_key", "codebook", "code", "score", "spans"))

    assert rows(first) == rows(second)  # chunking does not change the result
    themes = lambda run: sorted(run.themes.values_list("key", "label"))  # noqa: E731
    assert themes(first) == themes(second)


def test_it_retries_a_failed_chunk_and_resumes_an_interrupted_run(small_call, analyst, monkeypatch):
    run = services.analysis_start(actor=analyst, call=small_call, chunk_size=5)
    calls = {"n": 0}
    original = services.adapter.store_coded

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("worker lost its database connection")
        return original(*args, **kwargs)

    monkeypatch.setattr(services.adapter, "store_coded", flaky)
    first_chunk = run.chunks.order_by("number").first()
    services.analysis_chunk(chunk_id=first_chunk.pk)
    first_chunk.refresh_from_db()
    assert first_chunk.status == RunChunk.Status.PENDING and "database connection" in first_chunk.error
    # The "worker" dies here; later someone resumes the run and it completes.
    run.refresh_from_db()
    assert run.status in (AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING)
    services.analysis_resume(actor=analyst, run=run)
    run = services.analysis_run_inline(run=run)
    assert run.status == AnalysisRun.Status.DONE and run.chunks.filter(status="done").count() == 3


def test_it_marks_a_run_failed_after_repeated_chunk_failures(small_call, analyst, monkeypatch):
    run = services.analysis_start(actor=analyst, call=small_call, chunk_size=50)
    monkeypatch.setattr(services.adapter, "store_coded", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk full")))
    chunk = run.chunks.get()
    for _ in range(services.MAX_ATTEMPTS):
        services.analysis_chunk(chunk_id=chunk.pk)
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.FAILED and "disk full" in run.error


@pytest.mark.parametrize("persona", ["outsider", "respondent", "secretariat"])
def test_it_lets_only_analysts_start_runs_or_change_codes(persona, request, small_call, finished_run):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.analysis_start(actor=user, call=small_call)
    assignment = finished_run.assignments.first()
    with pytest.raises(PermissionDenied):
        services.code_remove(actor=user, assignment=assignment)


def test_it_audits_analysts_corrections_with_before_and_after(finished_run, analyst):
    assignment = finished_run.assignments.filter(codebook="sdgs").first()
    services.code_remove(actor=analyst, assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.removed and assignment.removed_by == analyst
    added = services.code_add(
        actor=analyst, run=finished_run, version=assignment.version, question_key=assignment.question_key,
        codebook="sdgs", code="SDG5",
    )
    assert added.source == CodeAssignment.Source.ANALYST and added.assigned_by == analyst
    events = list(AuditEvent.objects.filter(run=finished_run).order_by("at", "pk").values_list("action", "before", "after"))
    assert events[-2][0] == "code_removed" and events[-2][1] == {"removed": False, "source": "machine"}
    assert events[-1][0] == "code_added"
    review = services.response_review(actor=analyst, run=finished_run, version=assignment.version, flags=["off_topic"])
    assert review.reviewed_by == analyst and services.reviewed_share(finished_run) == round(1 / 12, 4)


def test_it_finds_campaign_duplicates_and_candidate_themes(finished_run):
    assert finished_run.themes.exists()
    assert finished_run.timings.get("finish") is not None


def test_it_runs_and_waits_from_the_command_line(small_call):
    out, err = io.StringIO(), io.StringIO()
    call_command("analyse", "--call", "wsis20", "--wait", "--codebook", "trends", stdout=out, stderr=err)
    assert "done" in out.getvalue() and "100%" in err.getvalue()
    run = AnalysisRun.objects.latest("pk")
    assert run.codebooks == ["trends"] and run.status == "done"
