from dataclasses import dataclass

import pytest

from synthesis.aggregate import cross_tab
from synthesis.codebook import Codebook
from synthesis.report import (
    QuoteRef,
    code_section,
    methods_section,
    preliminary_results,
    quotable_predicate,
    theme_section,
)
from synthesis.text import Document


@dataclass(frozen=True)
class Assignment:
    code: str
    score: float
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Coded:
    id: str
    language: str
    codes: tuple[Assignment, ...]


@dataclass(frozen=True)
class Group:
    kind: str
    members: tuple[str, ...]
    representative: str


DOCS = [
    Document("p1", "Intro. Broadband is too expensive here.", "en", {"region": "Africa"}),
    Document("p2", "Nous voulons le haut débit partout.", "fr", {"region": "Europe"}),
    Document("secret", "Broadband matters. Private answer.", "en", {"region": "Africa"}),
    Document("copy", "Broadband is too expensive here.", "en", {"region": "Africa"}),
]


def coded_docs():
    return [
        Coded("p1", "en", (Assignment("access", 0.9, ((7, 16),)),)),
        Coded("p2", "fr", (Assignment("access", 0.8, ((16, 25),)),)),
        Coded("secret", "en", (Assignment("access", 0.99, ((0, 9),)),)),
        Coded("copy", "en", (Assignment("access", 0.95, ((0, 9),)),)),
    ]


def test_it_quotes_only_documents_allowed_to_be_quoted(mini_codebook_dict):
    codebook = Codebook.from_dict(mini_codebook_dict)
    section = code_section(
        "codes", "Themes", codebook, coded_docs(), DOCS, quotable={"p1", "p2", "copy"}
    )
    [finding] = section.findings
    assert finding.code == "access" and finding.label == "Access"
    assert finding.count == 4 and finding.share == 1.0
    quoted = [q.document for q in finding.quotes]
    assert "secret" not in quoted
    assert quoted == ["copy", "p1", "p2"]  # best score first


def test_it_quotes_nothing_by_default(mini_codebook_dict):
    codebook = Codebook.from_dict(mini_codebook_dict)
    section = code_section("codes", "Themes", codebook, coded_docs(), DOCS)
    assert all(f.quotes == () for f in section.findings)


def test_it_quotes_the_whole_sentence_around_the_evidence(mini_codebook_dict):
    codebook = Codebook.from_dict(mini_codebook_dict)
    section = code_section("codes", "T", codebook, coded_docs(), DOCS, quotable=lambda i: i == "p1")
    [quote] = section.findings[0].quotes
    assert quote == QuoteRef("p1", (7, 39))
    assert DOCS[0].text[7:39] == "Broadband is too expensive here."


def test_it_skips_extra_copies_of_a_duplicate_when_quoting(mini_codebook_dict):
    codebook = Codebook.from_dict(mini_codebook_dict)
    groups = [Group("exact", ("copy", "p1"), "p1")]
    section = code_section(
        "codes", "T", codebook, coded_docs(), DOCS, quotable={"p1", "copy"}, duplicate_groups=groups
    )
    assert [q.document for q in section.findings[0].quotes] == ["p1"]


def test_it_gives_breakdowns_and_kinds_per_finding(mini_codebook_dict):
    codebook = Codebook.from_dict(mini_codebook_dict)
    kinds = [Coded("p1", "en", (Assignment("challenge", 0.7, ((7, 39),)),))]
    table = cross_tab(coded_docs(), kinds)
    section = code_section("codes", "T", codebook, coded_docs(), DOCS, by=["region"], kinds=table)
    finding = section.findings[0]
    assert [(g.group, g.size, g.count, g.share) for g in finding.breakdowns["region"]] == [
        ("Africa", 3, 3, 1.0),
        ("Europe", 1, 1, 1.0),
    ]
    assert finding.kinds == {"achievement": 0, "challenge": 1, "recommendation": 0}


def test_it_leaves_out_codes_below_the_minimum_count(mini_codebook_dict):
    codebook = Codebook.from_dict(mini_codebook_dict)
    section = code_section("c", "T", codebook, coded_docs(), DOCS, min_count=0)
    assert [f.code for f in section.findings] == ["access", "skills", "security"]
    section = code_section("c", "T", codebook, coded_docs(), DOCS)
    assert [f.code for f in section.findings] == ["access"]


def test_it_turns_discovered_themes_into_findings_with_allowed_quotes_only():
    @dataclass(frozen=True)
    class Quote:
        id: str
        span: tuple[int, int]

    @dataclass(frozen=True)
    class Theme:
        id: str
        label: str
        keywords: tuple[str, ...]
        size: int
        members: tuple[str, ...]
        quotes: tuple[Quote, ...]
        source: str = "lexical"

    @dataclass(frozen=True)
    class Result:
        themes: tuple[Theme, ...]
        unassigned: tuple[str, ...] = ()
        unassigned_share: float = 0.0
        capability: str = "lexical"

    result = Result(
        (
            Theme(
                "T1",
                "price",
                ("price", "cost"),
                2,
                ("a", "b"),
                (Quote("a", (0, 5)), Quote("b", (1, 4))),
            ),
        )
    )
    section = theme_section("themes", "Candidate themes", result, 4, quotable=["b"])
    [finding] = section.findings
    assert (finding.code, finding.label, finding.count, finding.share) == ("T1", "price", 2, 0.5)
    assert finding.quotes == (QuoteRef("b", (1, 4)),)


def test_it_writes_methods_and_caveats_from_the_data():
    groups = [Group("exact", ("a", "b"), "a"), Group("campaign", ("c", "d", "e"), "c")]
    methods = methods_section(
        ["en", "fr", "other", "en", "zh"],
        capability="lexical",
        parameters={"threshold": 0.35, "seed": 0},
        unassigned_share=0.2,
        duplicate_groups=groups,
        caveats=["Demo data."],
    )
    assert methods.n_documents == 5
    assert list(methods.languages.items()) == [("zh", 1), ("en", 2), ("fr", 1), ("other", 1)]
    assert list(methods.parameters) == ["seed", "threshold"]
    assert [(d.kind, d.groups, d.documents, d.largest) for d in methods.duplicates] == [
        ("exact", 1, 2, 2),
        ("campaign", 1, 3, 3),
    ]
    text = " ".join(methods.caveats)
    assert "lexical" in text and "campaign" in text and "outside the six" in text
    assert "20%" in text and "indicative" in text
    assert methods.caveats[-1] == "Demo data."


def test_it_assembles_a_report_and_refuses_duplicate_section_ids(mini_codebook_dict):
    codebook = Codebook.from_dict(mini_codebook_dict)
    section = code_section("codes", "T", codebook, coded_docs(), DOCS)
    methods = methods_section([d.language for d in DOCS], capability="lexical")
    report = preliminary_results("Preliminary results", [section], methods)
    assert report.sections[0].id == "codes" and report.methods.n_documents == 4
    with pytest.raises(ValueError, match="unique"):
        preliminary_results("x", [section, section], methods)


def test_it_accepts_predicates_collections_or_nothing_as_quotable():
    assert quotable_predicate(None)("a") is False
    assert quotable_predicate({"a"})("a") is True
    assert quotable_predicate(lambda i: i.startswith("p"))("p1") is True
