"""The report's content: sections, counts of responses, and quotes only from what is public."""

import pytest

from consulta.analysis.report import SECTIONS, report_bundle
from consulta.publication.models import Contribution
from consulta.publication.services import contribution_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(finished_run, secretariat):
    from consulta.submissions.models import Submission

    for submission in Submission.objects.filter(call=finished_run.call):
        contribution_sync(submission=submission, approved_by=secretariat)
    return finished_run


def test_it_builds_the_secretariats_sections_with_response_counts(published):
    bundle = report_bundle(run=published)
    ids = [s.id for s in bundle.report.sections]
    assert ids == [s[0] for s in SECTIONS]
    assert bundle.received == 12
    for section in bundle.report.sections:
        for finding in section.findings:
            assert 0 < finding.count <= 12 and 0 < finding.share <= 1


def test_it_quotes_only_published_contributions(published):
    bundle = report_bundle(run=published)
    assert bundle.quotes
    public = set(Contribution.objects.filter(state="published").values_list("reference", flat=True))
    for quote in bundle.quotes.values():
        assert quote.reference in public and quote.url.endswith(f"/contributions/{quote.reference}/")
        assert "PRIVATE-MARKER-TEXT" not in quote.text
    assert any(count == 12 for _type, count in [("all", bundle.received)])  # the private one is counted


def test_it_states_methods_and_caveats(published):
    methods = report_bundle(run=published).report.methods
    assert methods.n_documents == 12 and methods.capability == "lexical"
    assert any("reviewed by an analyst" in c for c in methods.caveats)
    assert methods.languages["en"] >= 6
