from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from consulta.calls.seeding import SEEDS, call_seed


class Command(BaseCommand):
    help = (
        "Create a built-in call (e.g. the WSIS+20 review call). Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", choices=SEEDS, help="which call to create")
        parser.add_argument("--demo", action="store_true", help="also load its demo submissions")

    def handle(self, *args, name: str, demo: bool, **options):
        try:
            result = call_seed(slug=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        verb = "Created" if result.created else "Already present, left unchanged:"
        self.stdout.write(
            f"{verb} call “{result.call.slug}” ({result.call.questions.count()} questions)."
        )
        if demo:
            from consulta.publication.demo import publish_demo
            from consulta.submissions.demo import load_demo_submissions

            loaded = load_demo_submissions(call=result.call)
            self.stdout.write(
                f"Demo submissions: {loaded.created} added, {loaded.skipped_existing} already present."
            )
            published = publish_demo(call=result.call)
            self.stdout.write(f"Published demo contributions (consented and approved): {published}.")
