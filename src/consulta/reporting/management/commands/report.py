import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consulta import languages
from consulta.analysis.services import latest_run
from consulta.calls.models import Call
from consulta.reporting.services import FORMATS, report_for


class Command(BaseCommand):
    help = "Write a call's Preliminary Results report (from its latest finished analysis run)."

    def add_arguments(self, parser):
        parser.add_argument("--call", required=True)
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument(
            "--language",
            default="en",
            choices=languages.UN_LANGUAGES,
            help="the report's language (UN code, zh for Chinese); default en",
        )

    def handle(self, *args, call: str, format: str, out: Path, language: str, **options):
        target = Call.objects.filter(slug=call).first()
        if target is None:
            raise CommandError(f"No call with the short name {call!r}.")
        run = latest_run(target)
        if run is None:
            raise CommandError(
                f"Call {call!r} has no finished analysis run: run `consulta analyse --call {call} --wait` first."
            )
        data = report_for(run=run, fmt=format, language=language)
        # Write next to the destination and rename: a failed report never leaves half a file behind.
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(f"Wrote the {format.upper()} report of run {run.pk} to {out}.")
