from django.core.management.base import BaseCommand, CommandError

from consulta.accounts.actors import SYSTEM
from consulta.analysis import services
from consulta.analysis.models import BUILTIN_CODEBOOKS, AnalysisRun
from consulta.calls.models import Call


class Command(BaseCommand):
    help = "Queue an analysis run of a call (workers run it), or run it here and wait with --wait."

    def add_arguments(self, parser):
        parser.add_argument("--call", required=True)
        parser.add_argument("--wait", action="store_true", help="do the work in this process and show progress")
        parser.add_argument("--codebook", action="append", dest="codebooks", help="repeatable; default: all built-in")
        parser.add_argument("--resume", type=int, metavar="RUN", help="queue the unfinished chunks of a run again")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, call: str, wait: bool, codebooks, resume, seed: int, **options):
        target = Call.objects.filter(slug=call).first()
        if target is None:
            raise CommandError(f"No call with the short name {call!r}.")
        if resume:
            run = AnalysisRun.objects.filter(pk=resume, call=target).first()
            if run is None:
                raise CommandError(f"No run {resume} for {call}.")
            if not wait:
                self.stdout.write(f"Queued {services.analysis_resume(actor=SYSTEM, run=run)} unfinished chunk(s) of run {run.pk}.")
                return
        else:
            try:
                run = services.analysis_start(
                    actor=SYSTEM, call=target, codebooks=codebooks or BUILTIN_CODEBOOKS, seed=seed
                )
            except Exception as exc:  # an unknown codebook, for instance
                raise CommandError(str(exc)) from None
        if not wait:
            self.stdout.write(f"Queued run {run.pk} ({run.n_documents} responses, {run.chunks_total} chunks).")
            return
        run = services.analysis_run_inline(run=run, progress=self._progress)
        self.stderr.write("")
        if run.status != AnalysisRun.Status.DONE:
            raise CommandError(f"Run {run.pk} {run.status}: {run.error}")
        self.stdout.write(
            f"Run {run.pk} done: {run.n_documents} responses, {run.assignments.count()} codes, "
            f"{run.themes.count()} candidate themes, {run.duplicate_groups.count()} duplicate groups."
        )

    def _progress(self, run: AnalysisRun) -> None:
        width = 30
        filled = int(run.progress * width)
        self.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {run.progress:5.0%} {run.get_status_display()}", ending=""
        )
        self.stderr.flush()
