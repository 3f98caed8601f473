from django.core.management.base import BaseCommand

from consulta.submissions.privacy import respondent_erase


class Command(BaseCommand):
    help = "Erase a respondent's personal data and files; anonymous counts are kept."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)

    def handle(self, *args, email: str, **options):
        result = respondent_erase(email=email)
        self.stdout.write(
            f"Erased personal data of {result.submissions} submission(s) and {result.files} file(s)."
        )
