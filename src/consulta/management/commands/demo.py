"""``consulta demo``: the whole product on the embedded SQLite default, ready to click through."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from consulta.accounts.roles import ANALYST, SECRETARIAT, ensure_role_groups
from consulta.calls.seeding import call_seed
from consulta.publication.demo import publish_demo
from consulta.submissions.demo import load_demo_submissions

DEMO_STAFF = (("secretariat", SECRETARIAT), ("analyst", ANALYST))


class Command(BaseCommand):
    help = "Migrate, seed the WSIS+20 call and an open practice call, create demo staff, and serve on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="prepare everything, then stop")

    def handle(self, *args, port: int, no_serve: bool, **options):
        if "postgresql" in settings.DATABASES["default"]["ENGINE"] and not settings.DEBUG:
            raise CommandError(
                "The demo writes demo data; run it on a development database, not production."
            )
        call_command("migrate", interactive=False, verbosity=0)
        wsis20 = call_seed(slug="wsis20").call
        loaded = load_demo_submissions(call=wsis20)
        publish_demo(call=wsis20)
        call_seed(slug="practice")
        self._analyse(wsis20)
        self.stdout.write(
            f"Seeded calls: {wsis20.slug} ({loaded.created + loaded.skipped_existing} demo submissions), practice."
        )
        credentials = self._demo_staff()
        base = f"http://127.0.0.1:{port}"
        self.stdout.write("")
        self.stdout.write(f"  WSIS+20 call:     {base}/en/calls/wsis20/")
        self.stdout.write(f"  Practice call:    {base}/en/calls/practice/")
        self.stdout.write(f"  Contributions:    {base}/en/calls/wsis20/contributions/")
        self.stdout.write(f"  Preliminary Results: {base}/en/calls/wsis20/preliminary-results/")
        self.stdout.write(f"  Analysts' workspace: {base}/en/analysis/")
        self.stdout.write(f"  Administration:   {base}/admin/")
        self.stdout.write(f"  E-mail outbox:    {base}/en/dev/outbox/")
        for username, password in credentials:
            self.stdout.write(f"    sign in as {username!r} with password {password!r}")
        self.stdout.write(f"  (credentials kept in {settings.DATA_DIR / 'demo-credentials.txt'})")
        self.stdout.write("")
        if not no_serve:
            # One background worker sends receipts and links (django-tasks, database backend).
            worker = subprocess.Popen(  # noqa: S603 - our own interpreter and command
                [sys.executable, "-m", "consulta.cli", "db_worker", "--interval", "1"], env=os.environ.copy()
            )
            try:
                call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
            finally:
                worker.terminate()
                worker.wait(timeout=10)

    def _analyse(self, call) -> None:
        """Analyse the demo call once (about a minute); later starts reuse the finished run."""
        from consulta.accounts.actors import SYSTEM
        from consulta.analysis import services as analysis

        run = analysis.latest_run(call)
        if run is None:
            self.stdout.write("Analysing the WSIS+20 demo submissions (once; about a minute)…")
            run = analysis.analysis_start(actor=SYSTEM, call=call)
            run = analysis.analysis_run_inline(run=run)
        try:
            from consulta.reporting.services import report_publish
        except ImportError:
            return
        report_publish(actor=SYSTEM, run=run)

    @transaction.atomic
    def _demo_staff(self) -> list[tuple[str, str]]:
        ensure_role_groups()
        path = settings.DATA_DIR / "demo-credentials.txt"
        known = (
            dict(line.split(":", 1) for line in path.read_text().splitlines() if ":" in line)
            if path.exists()
            else {}
        )
        user_model = get_user_model()
        result = []
        for username, role in DEMO_STAFF:
            password = known.get(username) or secrets.token_urlsafe(9)
            user, created = user_model.objects.get_or_create(
                username=username, defaults={"is_staff": True}
            )
            if created or username not in known:
                user.set_password(password)
                user.save()
            user.groups.add(Group.objects.get(name=role))
            result.append((username, password))
        path.write_text("".join(f"{u}:{p}\n" for u, p in result))
        path.chmod(0o600)
        return result
