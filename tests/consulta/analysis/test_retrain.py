"""Supervised retraining from the responses analysts reviewed."""

import io
import json

import pytest
from django.core.exceptions import PermissionDenied

from consulta.analysis import retrain, selectors, services
from consulta.analysis.models import AuditEvent, CodeAssignment

pytestmark = pytest.mark.django_db

# Twelve more short answers (written for this test), so that the call has 24 answers in all.
MORE = [
    "Artificial intelligence helps farmers forecast weather; we need skills training for rural youth.",
    "Cybersecurity incidents hit hospitals; funding for incident response teams is lacking.",
    "Broadband in schools improved learning, but affordability of devices is still a barrier.",
    "Artificial intelligence in public services must respect human rights and be transparent.",
    "Community networks brought internet to islands; spectrum licences remain expensive.",
    "Cyber threats against small businesses grow; capacity building and awareness are needed.",
    "Digital skills programmes for women reduced the gender gap in our region.",
    "Green ICT and e-waste recycling should be part of national digital strategies.",
    "Data governance frameworks must allow cross-border data flows with privacy safeguards.",
    "Artificial intelligence tools translate local languages; local content is still scarce.",
    "Rural electrification is a precondition for connectivity; funding gaps persist.",
    "Online misinformation erodes trust; media literacy education is our recommendation.",
]


@pytest.fixture
def larger_run(small_call, analyst):
    from consulta.submissions.bulk import read_records, submissions_import

    records = [
        {
            "external_id": f"m-{i}", "submitted_at": f"2025-02-{i:02d}T12:00:00+01:00", "source": "email",
            "language": "en", "consent": "publish_named",
            "respondent": {"name": f"More {i}", "email": f"m{i}@example.org", "organisation": f"More Org {i}",
                           "stakeholder_type": "civil_society", "country": "KE", "on_behalf_of_organisation": True},
            "answers": {"achievements_challenges": text},
        }
        for i, text in enumerate(MORE, start=1)
    ]
    stream = io.BytesIO("".join(json.dumps(r) + "\n" for r in records).encode())
    submissions_import(call=small_call, records=read_records(stream, "jsonl"))
    run = services.analysis_start(actor=analyst, call=small_call, codebooks=["trends", "challenges"], chunk_size=50)
    return services.analysis_run_inline(run=run)


def test_retraining_needs_enough_reviewed_answers(finished_run, analyst, secretariat):
    with pytest.raises(PermissionDenied):
        retrain.retrain(actor=secretariat, run=finished_run)
    from consulta.submissions.models import SubmissionVersion

    for version in SubmissionVersion.objects.filter(pk__in=selectors.run_version_ids(finished_run)[:3]):
        services.response_review(actor=analyst, run=finished_run, version=version)
    with pytest.raises(retrain.NotEnoughReviewed) as caught:
        retrain.retrain(actor=analyst, run=finished_run)
    assert "at least 20 reviewed answers; 3 are reviewed so far" in caught.value.messages[0]


def test_retraining_recodes_unreviewed_responses_and_leaves_reviewed_ones(larger_run, analyst):
    from consulta.submissions.models import SubmissionVersion

    ids = selectors.run_version_ids(larger_run)
    assert len(ids) == 24
    reviewed, unreviewed = ids[:20], ids[20:]
    first = CodeAssignment.objects.filter(run=larger_run, version_id=reviewed[0], codebook="trends").first()
    if first is not None:
        services.code_remove(actor=analyst, assignment=first)
    for version in SubmissionVersion.objects.filter(pk__in=reviewed):
        services.response_review(actor=analyst, run=larger_run, version=version)

    def rows(version_ids):
        return sorted(
            CodeAssignment.objects.filter(run=larger_run, version_id__in=version_ids)
            .values_list("version_id", "codebook", "code", "removed", "capability")
        )

    reviewed_before = rows(reviewed)
    summary = retrain.retrain(actor=analyst, run=larger_run)
    assert summary["trained_on_answers"] == 20 and summary["recoded_answers"] == 4
    assert set(summary["codebooks"]) == {"trends", "challenges"}
    assert "sample_f1" in summary["codebooks"]["trends"]
    assert rows(reviewed) == reviewed_before  # reviewed responses untouched
    recoded = CodeAssignment.objects.filter(run=larger_run, version_id__in=unreviewed, source="machine")
    assert recoded.filter(capability="supervised").exists()
    larger_run.refresh_from_db()
    assert larger_run.parameters["retrain"]["trained_on_answers"] == 20
    event = AuditEvent.objects.filter(run=larger_run, action="retrained").get()
    assert event.actor == analyst and event.after["recoded_answers"] == 4
