"""Theme discovery: every text accounted for, quotes are exact spans, runs repeat exactly."""

from __future__ import annotations

import numpy as np

from synthesis.codebook import Codebook
from synthesis.discovery import DiscoveryResult, ThemeDiscoverer, discover_themes
from synthesis.text import Document

# Three subjects, several phrasings each (written for these tests).
BROADBAND = [
    "Rural villages still lack affordable broadband. Fibre and mobile towers stop at the towns.",
    "Broadband prices are too high for rural households, so villages stay offline.",
    "We need fibre backbones and mobile towers in rural areas to bring broadband to villages.",
    "Affordable broadband in remote villages should be the first priority of the review.",
    "Mobile broadband coverage ends a few kilometres outside town; rural schools have no fibre.",
]
SKILLS = [
    "Teachers need training in digital skills before schools receive computers.",
    "Digital skills courses for teachers and pupils should be free. Training matters most.",
    "Without training, teachers cannot use the computers schools were given.",
    "Schools should teach digital skills, and teachers deserve proper training time.",
    "Training programmes in digital skills for young people and teachers must be expanded.",
]
SECURITY = [
    "Ransomware attacks on hospitals are rising and incident response teams are understaffed.",
    "Hospitals and banks face ransomware; cyber incident response must be strengthened.",
    "Cyber attacks against hospitals show that incident response teams need more staff.",
    "Ransomware and phishing attacks hit banks every week. Cyber security needs investment.",
    "National cyber incident response teams should protect hospitals from ransomware attacks.",
]


def _corpus() -> list[Document]:
    docs = []
    for name, texts in (("bb", BROADBAND), ("sk", SKILLS), ("cy", SECURITY)):
        docs += [Document(f"{name}{i}", t, "en") for i, t in enumerate(texts)]
    return docs


def _by_id(docs):
    return {d.id: d for d in docs}


def test_it_finds_the_subjects_as_themes():
    docs = _corpus()
    result = discover_themes(docs, seed=0, n_themes=3)
    assert isinstance(result, DiscoveryResult)
    groups = sorted(tuple(sorted({m[:2] for m in t.members})) for t in result.themes)
    assert groups == [("bb",), ("cy",), ("sk",)]
    for theme in result.themes:
        assert theme.size == len(theme.members)
        assert theme.label and theme.keywords
        assert theme.source == "lexical"


def test_it_chooses_the_number_of_themes_itself():
    result = discover_themes(_corpus(), seed=0)
    assert 2 <= len(result.themes) <= 5


def test_it_puts_every_text_in_a_theme_or_in_unassigned():
    docs = _corpus() + [Document("empty", "", "en"), Document("dots", "... !!!", "en")]
    result = discover_themes(docs, seed=0, n_themes=3)
    in_themes = [m for t in result.themes for m in t.members]
    assert len(in_themes) == len(set(in_themes))  # one theme per text in document mode
    assert set(in_themes) | set(result.unassigned) == {d.id for d in docs}
    assert not set(in_themes) & set(result.unassigned)
    assert {"empty", "dots"} <= set(result.unassigned)
    assert result.unassigned_share == round(len(result.unassigned) / len(docs), 4)
    assert result.unassigned_share < 0.15


def test_it_quotes_exact_sentences_of_member_texts():
    docs = _corpus()
    by_id = _by_id(docs)
    result = discover_themes(docs, seed=0, n_themes=3)
    for theme in result.themes:
        assert 3 <= len(theme.quotes) <= 5
        for quote in theme.quotes:
            assert quote.id in theme.members
            start, end = quote.span
            text = by_id[quote.id].text
            assert 0 <= start < end <= len(text)
            quoted = text[start:end]
            assert quoted == quoted.strip() and quoted  # a whole sentence, trimmed


def test_it_gives_byte_identical_output_for_the_same_seed():
    docs = _corpus()
    first = discover_themes(docs, seed=7)
    second = discover_themes(list(reversed(docs)), seed=7)
    assert repr(first) == repr(second)


def _bridge_codebook() -> Codebook:
    """Two codes whose keywords in both languages act as shared concepts."""
    return Codebook.from_dict(
        {
            "id": "bridge",
            "version": "1",
            "title": {"en": "Bridge"},
            "codes": [
                {
                    "id": "cyber",
                    "label": {"en": "Cybersecurity"},
                    "description": {"en": "Attacks and defences."},
                    "keywords": {
                        "en": ["cybersecurity", "ransomware"],
                        "fr": ["cybersécurité", "rançongiciel"],
                    },
                },
                {
                    "id": "access",
                    "label": {"en": "Access"},
                    "description": {"en": "Getting online."},
                    "keywords": {"en": ["broadband"], "fr": ["haut débit"]},
                },
            ],
        }
    )


def test_it_can_put_french_and_english_texts_on_one_subject_together():
    docs = [
        Document("en1", "Cybersecurity of hospitals must improve against ransomware.", "en"),
        Document("en2", "Ransomware attacks on hospitals show weak cybersecurity.", "en"),
        Document(
            "fr1", "La cybersécurité des hôpitaux doit progresser face aux rançongiciels.", "fr"
        ),
        Document(
            "fr2", "Les rançongiciels visent les hôpitaux : la cybersécurité est trop faible.", "fr"
        ),
        Document("en3", "Farmers need affordable broadband to reach markets.", "en"),
        Document("en4", "Affordable broadband lets farmers sell their harvest online.", "en"),
        Document("fr3", "Les agriculteurs ont besoin d'un haut débit abordable pour vendre.", "fr"),
    ]
    result = discover_themes(docs, seed=0, n_themes=2, min_size=2, concepts=[_bridge_codebook()])
    theme_of = {m: t.id for t in result.themes for m in t.members}
    assert theme_of["en1"] == theme_of["fr1"] == theme_of["fr2"] == theme_of["en2"]
    assert theme_of["en3"] != theme_of["en1"]


def test_it_discovers_themes_in_given_passages_only():
    docs = _corpus()
    passages = []
    for d in docs:
        cut = d.text.find(".") + 1 or len(d.text)
        passages.append((d.id, (0, cut)))
    disc = ThemeDiscoverer(seed=0, n_themes=3).fit(docs, passages=passages)
    by_id = _by_id(docs)
    for theme in disc.result_.themes:
        for quote in theme.quotes:
            cut = by_id[quote.id].text.find(".") + 1 or len(by_id[quote.id].text)
            assert quote.span[1] <= cut  # quotes come from the given passages
    assert set(disc.theme_of()) == {d.id for d in docs}


def test_it_assigns_texts_beyond_the_fitting_sample_to_the_nearest_theme():
    docs = []
    for copy in range(4):
        docs += [Document(f"{d.id}-{copy}", d.text, "en") for d in _corpus()]
    disc = ThemeDiscoverer(seed=0, n_themes=3, sample_size=20).fit(docs)
    result = disc.result_
    assert sum(t.size for t in result.themes) + len(result.unassigned) == len(docs)
    theme_of = disc.theme_of()
    for d in docs:  # the same text always lands in the same theme
        assert theme_of[d.id] == theme_of[d.id.rsplit("-", 1)[0] + "-0"]


class _FakeEmbedder:
    """Stands in for a sentence-transformers model: one axis per subject word."""

    words = ("broadband", "training", "ransomware")

    def encode(self, texts):
        return np.array(
            [[t.lower().count(w) + 0.01 for w in self.words] for t in texts], dtype=float
        )


class _FakeLabeller:
    def label(self, keywords, quotes):
        return f"About {keywords[0]}"


def test_it_uses_an_embedder_and_a_labeller_with_the_same_schema():
    result = discover_themes(
        _corpus(), seed=0, n_themes=3, embedder=_FakeEmbedder(), labeller=_FakeLabeller()
    )
    assert result.capability == "embeddings+llm"
    assert all(t.source == "embeddings+llm" for t in result.themes)
    assert all(t.label.startswith("About ") for t in result.themes)
    assert sum(t.size for t in result.themes) + len(result.unassigned) == 15
