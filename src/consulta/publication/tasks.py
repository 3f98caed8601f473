from django_tasks import task

from consulta.publication.services import contributions_sync_call


@task()
def sync_contributions(references: list[str]) -> int:
    return contributions_sync_call(references=references)
