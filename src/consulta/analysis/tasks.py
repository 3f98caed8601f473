"""Background jobs of analysis runs (django-tasks; one worker on SQLite, many on PostgreSQL)."""

from django_tasks import task

from consulta.analysis import services


@task()
def analyse_chunk(chunk_id: int) -> None:
    services.analysis_chunk(chunk_id=chunk_id)


@task()
def finish_run(run_id: int) -> None:
    services.analysis_finish(run_id=run_id)
