from django_tasks import task

from consulta.publication.selectors import facet_counts_recount
from consulta.publication.services import contributions_sync_call


@task()
def sync_contributions(references: list[str]) -> int:
    return contributions_sync_call(references=references)


@task()
def recount_facets(call_id: int) -> None:
    """The filter menus' counts, after a committed change (page views show the previous ones meanwhile)."""
    facet_counts_recount(call_id=call_id)
