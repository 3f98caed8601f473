"""Publication follows the submissions stage through its signals (it never reaches back into it)."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
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


@receiver(post_save, sender="publication.Contribution", dispatch_uid="publication.facets_on_save")
@receiver(post_delete, sender="publication.Contribution", dispatch_uid="publication.facets_on_delete")
def _recount_facets(sender, instance, **kwargs):
    """The filter menus are cached; they are recounted in the background once the change is committed
    (never before, or the recount could read the database as it was)."""
    transaction.on_commit(partial(_facets_changed, instance.call_id))


def _facets_changed(call_id: int) -> None:
    from consulta.publication.selectors import facet_counts_changed
    from consulta.publication.tasks import recount_facets

    if facet_counts_changed(call_id):
        recount_facets.enqueue(call_id)
