"""Publication follows the submissions stage through its signals (it never reaches back into it)."""

from django.dispatch import receiver

from consulta.submissions.signals import submission_changed, submissions_imported

SYNC_CHUNK = 500


@receiver(submission_changed, dispatch_uid="publication.sync_one")
def _sync_one(sender, submission, **kwargs):
    from consulta.publication.services import contribution_sync

    contribution_sync(submission=submission)


@receiver(submissions_imported, dispatch_uid="publication.sync_imported")
def _sync_imported(sender, call, references, **kwargs):
    from consulta.publication.tasks import sync_contributions

    for start in range(0, len(references), SYNC_CHUNK):
        sync_contributions.enqueue(list(references[start : start + SYNC_CHUNK]))
