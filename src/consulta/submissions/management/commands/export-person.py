import json

from django.core.management.base import BaseCommand

from consulta.submissions.privacy import respondent_export


class Command(BaseCommand):
    help = "Print, as JSON, all data held about the respondent with this e-mail address."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)

    def handle(self, *args, email: str, **options):
        self.stdout.write(json.dumps(respondent_export(email=email), ensure_ascii=False, indent=2))
