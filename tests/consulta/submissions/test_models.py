"""The content hash a receipt gives, and the stored form of a version it is recomputed from."""

import random

import pytest
from django.db import connection

from consulta.submissions.models import (
    SubmissionVersion,
    canonical_hash,
    canonical_hash_of_encoded,
    canonical_json,
)


def random_text(rng):
    alphabet = 'aé"\\\n/ü中文العربيةрусский 😀\t\u2028{}[]:,'
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))


def random_value(rng, depth=0):
    kind = rng.choice(["text", "number", "flag", "null", "list", "object"][: 4 if depth > 2 else 6])
    if kind == "text":
        return random_text(rng)
    if kind == "number":
        return rng.choice([0, -3, 7.25, 10**12])
    if kind == "flag":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "list":
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {random_text(rng): random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def test_it_hashes_parts_given_as_canonical_text_as_it_hashes_the_content():
    rng = random.Random(20250314)
    for _ in range(500):
        content = {
            "answers": random_value(rng),
            "respondent": {random_text(rng): random_text(rng) for _ in range(3)},
            "consent": random_text(rng),
            "language": rng.choice(["ar", "zh", "en", "fr", "ru", "es", ""]),
            "attachments": [{"name": random_text(rng), "sha256": "ab" * 32}],
        }
        encoded = {key: canonical_json(value) for key, value in content.items()}
        assert canonical_hash_of_encoded(encoded) == canonical_hash(content)


@pytest.mark.django_db
def test_it_stores_a_versions_json_in_the_form_its_hash_is_computed_over(open_call):
    from consulta.submissions.models import Respondent, Submission

    submission = Submission.objects.create(
        call=open_call, reference="CONNECT-TESTJSON", respondent=Respondent.objects.create()
    )
    answers = {"topics": ["iot", "ai"], "achievements": "Écoles connectées — 学校联网"}
    person = {"name": "Amina", "country": "SN", "email": ""}
    version = SubmissionVersion.objects.create(
        submission=submission,
        number=1,
        answers=answers,
        respondent=person,
        consent="publish_named",
        language="fr",
        attachment_digests=[],
        content_hash="",
        received_at=open_call.opens_at,
        timeliness="on_time",
    )
    version.refresh_from_db()
    assert version.answers == answers and version.respondent == person
    if connection.vendor == "sqlite":  # PostgreSQL's jsonb keeps no text of its own
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT answers, respondent FROM submissions_submissionversion WHERE id = %s",
                [version.pk],
            )
            assert cursor.fetchone() == (canonical_json(answers), canonical_json(person))
