"""One small analysed call per test module: a dozen imported responses, published where consented."""

import io
import json

import pytest

PRIVATE_MARKER = "QUIETPRIVATEMARKER"
TEXTS = [
    (
        "en",
        "government",
        "KE",
        "publish_named",
        "Broadband now reaches most district schools. Affordability of devices is still a challenge; we recommend a fund for community networks.",
    ),
    (
        "en",
        "civil_society",
        "BR",
        "publish_anonymous",
        "Governance of artificial intelligence should stay multistakeholder. Cybersecurity incidents grow and small groups need capacity building.",
    ),
    (
        "fr",
        "academia",
        "SN",
        "publish_named",
        "La fracture numérique entre villes et campagnes demeure. Il faut renforcer la formation aux compétences numériques.",
    ),
    (
        "es",
        "private_sector",
        "AR",
        "publish_named",
        "La conectividad por satélite amplió el acceso rural. Falta inversión en infraestructura y en redes comunitarias.",
    ),
    (
        "en",
        "technical_community",
        "DE",
        "private",
        f"{PRIVATE_MARKER} exchange points made the network more resilient; data protection rules need coordination across borders.",
    ),
    (
        "ar",
        "government",
        "EG",
        "publish_named",
        "توسعت الخدمات الحكومية الإلكترونية وأصبحت متاحة للمواطنين. يجب تعزيز الأمن السيبراني وبناء القدرات.",
    ),
    (
        "en",
        "international_organisation",
        "CH",
        "publish_named",
        "The WSIS Forum and the IGF are lasting achievements. The process should align with the Global Digital Compact and the SDGs.",
    ),
    (
        "en",
        "civil_society",
        "IN",
        "publish_named",
        "Community networks connected remote villages. The gender digital divide persists and women need affordable devices and training.",
    ),
    (
        "fr",
        "government",
        "MA",
        "publish_anonymous",
        "L’administration électronique a progressé. L’intelligence artificielle exige une gouvernance éthique et des compétences.",
    ),
    (
        "en",
        "private_sector",
        "US",
        "publish_named",
        "Cloud services and data centres drive growth; energy use and electronic waste are environmental challenges.",
    ),
    (
        "es",
        "academia",
        "MX",
        "publish_named",
        "La educación en línea creció. La desinformación amenaza la confianza; proponemos alfabetización mediática.",
    ),
    (
        "en",
        "other",
        "GH",
        "publish_named",
        "Mobile money and digital payments reach people without bank accounts. Funding for local content remains scarce.",
    ),
]


def records():
    for i, (language, kind, country, consent, text) in enumerate(TEXTS, start=1):
        yield {
            "external_id": f"r-{i}",
            "submitted_at": f"2025-02-{i:02d}T10:00:00+01:00",
            "source": "email",
            "language": language,
            "consent": consent,
            "respondent": {
                "name": f"Respondent {i}",
                "email": f"r{i}@example.org",
                "organisation": f"Org {i}",
                "stakeholder_type": kind,
                "country": country,
                "on_behalf_of_organisation": True,
            },
            "answers": {"achievements_challenges": text},
        }


@pytest.fixture
def analysed(db):
    """The call and its finished run (inside the test's own transaction, like every other fixture)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from consulta.accounts.roles import ANALYST, SECRETARIAT, ensure_role_groups
    from consulta.analysis import services
    from consulta.calls.seeding import call_seed
    from consulta.publication.services import contribution_sync
    from consulta.submissions.bulk import read_records, submissions_import
    from consulta.submissions.models import Submission

    ensure_role_groups()
    users = get_user_model().objects
    analyst = users.create_user("mod-analyst", "a@example.org", "x", is_staff=True)
    analyst.groups.add(Group.objects.get(name=ANALYST))
    clerk = users.create_user("mod-secretariat", "s@example.org", "x", is_staff=True)
    clerk.groups.add(Group.objects.get(name=SECRETARIAT))
    call = call_seed(slug="wsis20").call
    stream = io.BytesIO(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records()).encode()
    )
    submissions_import(call=call, records=read_records(stream, "jsonl"))
    for submission in Submission.objects.filter(call=call):
        contribution_sync(submission=submission, approved_by=clerk)
    run = services.analysis_run_inline(
        run=services.analysis_start(actor=analyst, call=call, chunk_size=6)
    )
    assert run.status == run.Status.DONE
    return run


@pytest.fixture
def rendered(analysed):
    """Each format rendered (English), plus the Arabic HTML."""
    from consulta.analysis.report import report_bundle
    from consulta.reporting.services import report_render

    bundle = report_bundle(run=analysed, language="en")
    out = {
        fmt: report_render(bundle=bundle, fmt=fmt, language="en")
        for fmt in ("html", "pdf", "docx", "xlsx")
    }
    arabic = report_bundle(run=analysed, language="ar")
    out["html-ar"] = report_render(bundle=arabic, fmt="html", language="ar")
    out["bundle"] = bundle
    return out
