from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consulta.calls.models import Call
from consulta.submissions.bulk import (
    DEFAULT_JOBS,
    ImportFailed,
    detect_format,
    read_records,
    submissions_import,
)


class Command(BaseCommand):
    help = "Bulk-load submissions from JSONL, CSV or XLSX. All or nothing: a file with a bad line loads nothing."

    def add_arguments(self, parser):
        parser.add_argument("--call", required=True, help="the call's short name (slug)")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format", choices=["jsonl", "csv", "xlsx"], help="default: from the file name"
        )
        parser.add_argument(
            "--skip-existing",
            action="store_true",
            help="skip lines whose external_id was imported before",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=DEFAULT_JOBS,
            help=f"processes that check lines while this one writes (default {DEFAULT_JOBS}; 1: none)",
        )

    def handle(
        self,
        *args,
        call: str,
        file: Path,
        format: str | None,
        skip_existing: bool,
        jobs: int,
        **options,
    ):
        target = Call.objects.filter(slug=call).first()
        if target is None:
            raise CommandError(f"No call with the short name {call!r}.")
        if not file.exists():
            raise CommandError(f"No such file: {file}")
        try:
            fmt = format or detect_format(file)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if jobs < 1:
            raise CommandError("--jobs must be 1 or more.")
        with file.open("rb") as stream:
            try:
                result = submissions_import(
                    call=target,
                    records=read_records(stream, fmt, parse=False),
                    on_existing="skip" if skip_existing else "error",
                    jobs=jobs,
                )
            except ImportFailed as failed:
                self.stderr.write(failed.report())
                raise CommandError(
                    f"Nothing was imported: {len(failed.errors)} line(s) need fixing."
                ) from None
        self.stdout.write(f"Imported {result.created} submission(s) into {target.slug}.")
        if result.skipped_existing:
            self.stdout.write(f"Skipped {result.skipped_existing} already imported.")
