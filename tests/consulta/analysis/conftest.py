"""A small call with a dozen imported submissions in four languages, for fast analysis tests."""

import io
import json

import pytest

TEXTS = [
    ("en", "government", "KE", "publish_named", "Mobile broadband reached rural schools; affordability and digital skills remain a challenge. We recommend a universal service fund for community networks."),
    ("en", "civil_society", "BR", "publish_anonymous", "Artificial intelligence governance must be multistakeholder. Cybersecurity threats grow and capacity building is needed for small organisations."),
    ("fr", "academia", "SN", "publish_named", "La fracture numérique persiste entre villes et campagnes. Nous recommandons de renforcer la formation aux compétences numériques."),
    ("es", "private_sector", "AR", "publish_named", "La conectividad satelital amplió el acceso. Falta financiamiento para la infraestructura en zonas rurales."),
    ("en", "technical_community", "DE", "private", "PRIVATE-MARKER-TEXT: internet exchange points improved resilience; data protection rules need coordination."),
    ("ru", "government", "KZ", "publish_named", "Цифровое правительство и электронные услуги стали доступны гражданам. Необходимо развивать кибербезопасность."),
    ("en", "international_organisation", "CH", "publish_named", "The WSIS Forum and the IGF are achievements. The WSIS process should align with the Global Digital Compact and the SDGs."),
    ("en", "civil_society", "IN", "publish_named", "Community networks connected villages. Gender digital divide persists; women need affordable devices and training."),
    ("fr", "government", "MA", "publish_anonymous", "L’administration électronique a progressé. L’intelligence artificielle exige une gouvernance éthique."),
    ("en", "private_sector", "US", "publish_named", "Cloud computing and data centres drive growth; energy efficiency and e-waste are environmental challenges."),
    ("es", "academia", "MX", "publish_named", "La educación en línea se expandió. La desinformación amenaza la confianza; proponemos alfabetización mediática."),
    ("en", "other", "GH", "publish_named", "Mobile money and digital payments include the unbanked. Funding for local content remains scarce."),
]


def records():
    for i, (language, kind, country, consent, text) in enumerate(TEXTS, start=1):
        yield {
            "external_id": f"t-{i}",
            "submitted_at": f"2025-02-{i:02d}T10:00:00+01:00",
            "source": "email",
            "language": language,
            "consent": consent,
            "respondent": {"name": f"Person {i}", "email": f"p{i}@example.org", "organisation": f"Org {i}",
                           "stakeholder_type": kind, "country": country, "on_behalf_of_organisation": True},
            "answers": {"achievements_challenges": text},
        }


@pytest.fixture
def small_call(db):
    from consulta.calls.seeding import call_seed
    from consulta.submissions.bulk import read_records, submissions_import

    call = call_seed(slug="wsis20").call
    stream = io.BytesIO("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records()).encode())
    submissions_import(call=call, records=read_records(stream, "jsonl"))
    return call


@pytest.fixture
def finished_run(small_call, analyst):
    from consulta.analysis import services

    run = services.analysis_start(actor=analyst, call=small_call, chunk_size=5)
    return services.analysis_run_inline(run=run)
