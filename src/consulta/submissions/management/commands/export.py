import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consulta.calls.models import Call
from consulta.submissions.bulk import FORMATS, submissions_export


class Command(BaseCommand):
    help = "Export every submission of a call (staff export, personal data included) with stable columns."

    def add_arguments(self, parser):
        parser.add_argument("--call", required=True)
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--include-drafts", action="store_true")

    def handle(self, *args, call: str, format: str, out: Path, include_drafts: bool, **options):
        target = Call.objects.filter(slug=call).first()
        if target is None:
            raise CommandError(f"No call with the short name {call!r}.")
        # Write next to the destination and rename: a failed export never leaves half a file behind.
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
        try:
            with os.fdopen(handle, "wb") as stream:
                count = submissions_export(
                    call=target, fmt=format, stream=stream, include_drafts=include_drafts
                )
            os.chmod(temporary, 0o600)
            os.replace(temporary, out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(f"Exported {count} submission(s) to {out}.")
