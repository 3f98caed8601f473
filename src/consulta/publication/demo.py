"""The demo's publication state: the consented demo contributions, approved as a secretariat would."""

from consulta.accounts.actors import SYSTEM
from consulta.calls.models import Call
from consulta.publication.models import Contribution
from consulta.publication.services import contribution_sync
from consulta.submissions.models import Submission


def publish_demo(*, call: Call) -> int:
    """Publish every consented demo contribution not yet public (idempotent)."""
    already = Contribution.objects.filter(call=call, state=Contribution.State.PUBLISHED).values_list(
        "submission_id", flat=True
    )
    for submission in Submission.objects.filter(call=call, is_demo=True).exclude(pk__in=list(already)):
        contribution_sync(submission=submission, approved_by=SYSTEM, note="demo data")
    return Contribution.objects.filter(call=call, state=Contribution.State.PUBLISHED).count()
