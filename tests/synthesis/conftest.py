"""Small multilingual fixtures for the synthesis tests (original texts written for Consulta)."""

from __future__ import annotations

import json

import pytest
import yaml

from synthesis.text import Document


@pytest.fixture(autouse=True)
def _isolated():
    """Overrides the suite-wide Django fixture of the same name: ``synthesis`` never uses Django,
    and its tests run with ``-p no:django``."""
    return None


# Short answers and longer sentences in each of the six UN languages.
SAMPLES: dict[str, list[str]] = {
    "en": [
        "Affordable broadband for rural schools.",
        "Internet access",
        "Digital inclusion",
        "Capacity building",
        "Governments should invest more in digital skills for teachers and young people.",
    ],
    "fr": [
        "Accès à l'Internet pour tous.",
        "Fracture numérique",
        "Renforcement des capacités",
        "Il faut réduire la fracture numérique dans les zones rurales et isolées.",
    ],
    "es": [
        "Acceso asequible a internet.",
        "Brecha digital",
        "Inclusión digital",
        "Necesitamos más inversión pública en infraestructura digital para las comunidades.",
    ],
    "ru": [
        "Доступ к интернету",
        "Цифровой разрыв",
        "Нужно больше инвестиций в цифровую инфраструктуру в сельских районах.",
    ],
    "ar": [
        "سد الفجوة الرقمية",
        "الأمن السيبراني",
        "يجب على الحكومات الاستثمار في البنية التحتية الرقمية في المناطق الريفية.",
    ],
    "zh": [
        "缩小数字鸿沟",
        "人工智能治理",
        "各国政府应该加大对农村地区数字基础设施的投资。",
    ],
}

# Texts in other languages and scripts that must not be forced into the six.
OTHER_SAMPLES = [
    "Digitale Bildung für alle Schulen",
    "Acesso à internet nas escolas públicas",
    "Educazione digitale per tutti i cittadini",
    "Доступ до інтернету в селах",  # Ukrainian
    "デジタル格差をなくす",  # Japanese
    "디지털 격차 해소",  # Korean
    "Ψηφιακή ένταξη για όλους",  # Greek
    "ما به اینترنت ارزان نیاز داریم",  # Persian
    "انٹرنیٹ تک رسائی ضروری ہے",  # Urdu
    "12345 !!!",
]

MINI_CODEBOOK = {
    "id": "mini",
    "version": "1.0",
    "title": {"en": "Mini codebook", "fr": "Mini livre de codes"},
    "codes": [
        {
            "id": "access",
            "label": {"en": "Access", "fr": "Accès", "es": "Acceso"},
            "description": {"en": "Getting people online at an affordable price."},
            "keywords": {
                "en": ["internet access", "broadband", "connectivity"],
                "fr": ["accès à internet", "haut débit"],
                "es": ["acceso a internet", "banda ancha"],
            },
        },
        {
            "id": "skills",
            "label": {"en": "Skills", "ru": "Навыки"},
            "description": {"en": "Digital literacy and training."},
            "keywords": {"en": ["digital skills", "training"], "ru": ["цифровые навыки"]},
            "examples": ["Teach coding in every school."],
        },
        {
            "id": "security",
            "label": {"ar": "الأمن", "zh": "安全"},
            "keywords": {"ar": ["الأمن السيبراني"], "zh": ["网络安全"]},
        },
    ],
}


@pytest.fixture
def mini_codebook_dict() -> dict:
    return json.loads(json.dumps(MINI_CODEBOOK))


@pytest.fixture
def mini_codebook_path(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(yaml.safe_dump(MINI_CODEBOOK, allow_unicode=True), encoding="utf-8")
    return path


CORPUS = [
    {
        "id": "d1",
        "text": "Broadband is still too expensive in rural areas. We need affordable access.",
        "language": "en",
        "stakeholder_type": "government",
        "region": "Africa",
        "question": "challenges",
    },
    {
        "id": "d2",
        "text": "Former les enseignants aux compétences numériques. L'accès reste difficile.",
        "language": "fr",
        "stakeholder_type": "civil_society",
        "region": "Africa",
        "question": "recommendations",
    },
    {
        "id": "d3",
        "text": "Necesitamos formación en habilidades digitales para jóvenes.",
        "stakeholder_type": "academia",
        "region": "Americas",
        "question": "recommendations",
    },
    {
        "id": "d4",
        "text": "الأمن السيبراني أولوية للحكومات.",
        "stakeholder_type": "government",
        "region": "Arab States",
        "question": "challenges",
    },
    {
        "id": "d5",
        "text": "加强网络安全合作。",
        "stakeholder_type": "private_sector",
        "region": "Asia-Pacific",
        "question": "achievements",
    },
    {
        "id": "d6",
        "text": "Цифровые навыки нужны всем гражданам.",
        "stakeholder_type": "academia",
        "region": "CIS",
        "question": "recommendations",
    },
]


@pytest.fixture
def corpus_path(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in CORPUS),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def corpus_documents() -> list[Document]:
    documents = []
    for record in CORPUS:
        meta = {k: v for k, v in record.items() if k not in ("id", "text", "language")}
        documents.append(
            Document(
                id=record["id"], text=record["text"], language=record.get("language"), meta=meta
            )
        )
    return documents


def pytest_generate_tests(metafunc):
    """Tests asking for ``un_sample`` run once per sample text; ``other_sample`` likewise."""
    if "un_sample" in metafunc.fixturenames:
        cases = [(lang, text) for lang, texts in SAMPLES.items() for text in texts]
        metafunc.parametrize(
            "un_sample", cases, ids=[f"{lang}-{i}" for i, (lang, _) in enumerate(cases)]
        )
    if "other_sample" in metafunc.fixturenames:
        metafunc.parametrize(
            "other_sample", OTHER_SAMPLES, ids=[str(i) for i in range(len(OTHER_SAMPLES))]
        )


@pytest.fixture
def samples() -> dict[str, list[str]]:
    return {lang: list(texts) for lang, texts in SAMPLES.items()}


@pytest.fixture
def other_samples() -> list[str]:
    return list(OTHER_SAMPLES)
