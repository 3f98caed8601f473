from dataclasses import dataclass

from synthesis.aggregate import aggregate, aggregate_many, cross_tab


@dataclass(frozen=True)
class Assignment:
    code: str
    spans: tuple[tuple[int, int], ...] = ()
    score: float = 1.0


@dataclass(frozen=True)
class Coded:
    id: str
    language: str
    codes: tuple[Assignment, ...]


def coded(doc_id, language, *codes):
    return Coded(doc_id, language, tuple(Assignment(c) for c in codes))


def test_it_counts_documents_per_code_with_shares(corpus_documents):
    results = [
        coded("d1", "en", "access"),
        coded("d2", "fr", "skills", "access"),
        coded("d3", "es", "skills"),
        coded("d4", "ar", "security"),
        coded("d5", "zh", "security"),
        coded("d6", "ru", "skills"),
    ]
    agg = aggregate(results, corpus_documents, codes=["access", "skills", "security", "funding"])
    assert agg.n_documents == 6
    assert [(c.code, c.count, c.share) for c in agg.codes] == [
        ("skills", 3, 0.5),
        ("access", 2, 0.3333),
        ("security", 2, 0.3333),
        ("funding", 0, 0.0),
    ]
    assert agg.uncoded == 0


def test_it_breaks_down_by_stakeholder_type_region_language_and_question(corpus_documents):
    results = [coded("d1", "en", "access"), coded("d2", "fr", "access"), coded("d3", "es")]
    results += [coded(d, lang) for d, lang in [("d4", "ar"), ("d5", "zh"), ("d6", "ru")]]
    agg = aggregate(results, corpus_documents)
    region = agg.breakdowns["region"]
    assert region.groups[0] == "Africa"  # the largest group first
    assert region.sizes["Africa"] == 2
    assert region.counts["access"]["Africa"] == 2
    assert region.shares["access"] == {
        "Africa": 1.0,
        "Americas": 0.0,
        "Arab States": 0.0,
        "Asia-Pacific": 0.0,
        "CIS": 0.0,
    }
    assert agg.breakdowns["stakeholder_type"].counts["access"] == {
        "academia": 0,
        "government": 1,
        "civil_society": 1,
        "private_sector": 0,
    }
    # d3 had no language in the input: the coder's detected language is used
    assert agg.breakdowns["language"].sizes["es"] == 1
    assert list(agg.breakdowns) == ["stakeholder_type", "region", "language", "question"]
    assert agg.uncoded == 4


def test_it_groups_documents_without_a_value_as_unknown_and_lists_them_last():
    results = [coded("a", "en", "x"), coded("b", "en", "x"), coded("c", "en")]
    agg = aggregate(results, {"a": {"region": "Europe"}}, by=["region"])
    breakdown = agg.breakdowns["region"]
    assert breakdown.groups == ("Europe", "unknown")
    assert breakdown.counts["x"] == {"Europe": 1, "unknown": 1}
    assert breakdown.shares["x"] == {"Europe": 1.0, "unknown": 0.5}


def test_it_accepts_the_json_output_of_synthesis_code():
    results = [
        {"id": "a", "language": "fr", "codes": [{"code": "C1", "score": 0.9, "spans": [[0, 3]]}]},
        {"id": "b", "language": "en", "codes": []},
    ]
    agg = aggregate(results, by=["language"])
    assert agg.breakdowns["language"].counts == {"C1": {"en": 0, "fr": 1}}


def test_it_takes_the_language_from_the_meta_then_the_document_then_the_coder():
    from synthesis.text import Document

    documents = [
        Document("a", "texte", "fr", {"language": "ar"}),  # the meta says so: it wins
        Document("b", "text", None, {}),  # unknown to the input: the coder detected it
        Document("c", "texto", "es", {"language": ""}),
    ]
    results = [coded("a", "fr", "x"), coded("b", "ru", "x"), coded("c", "zh", "x"), coded("d", "", "x")]
    sizes = aggregate(results, documents, by=["language"]).breakdowns["language"].sizes
    assert sizes == {"ar": 1, "es": 1, "ru": 1, "unknown": 1}


def test_it_aggregates_several_codings_of_the_same_documents_at_once(corpus_documents):
    codings = {
        "books": [coded("d1", "en", "b", "a"), coded("d2", "fr", "a"), coded("d3", "es")],
        "kinds": [coded("d1", "en", "challenge"), coded("d3", "es", "achievement")],
    }
    order = {"books": ["a", "b", "c"]}
    many = aggregate_many(codings, corpus_documents, codes=order)
    assert list(many) == ["books", "kinds"]
    assert many["books"] == aggregate(codings["books"], corpus_documents, codes=order["books"])
    assert many["kinds"] == aggregate(codings["kinds"], corpus_documents)
    assert [c.code for c in many["books"].codes] == ["a", "b", "c"] and many["books"].uncoded == 1


def test_it_reads_each_coding_once_so_generators_do(corpus_documents):
    lists = {
        "books": [coded("d1", "en", "a", "b"), coded("d2", "fr"), coded("d3", "es", "b", "a")],
        "kinds": [coded("d1", "en", "challenge")],
    }
    streamed = aggregate_many({name: (d for d in items) for name, items in lists.items()}, corpus_documents)
    assert streamed == aggregate_many(lists, corpus_documents)
    assert [(c.code, c.count) for c in streamed["books"].codes] == [("a", 2), ("b", 2)]
    assert aggregate((d for d in lists["books"]), corpus_documents) == streamed["books"]


def test_it_gives_the_same_result_whatever_the_input_order(corpus_documents):
    results = [coded("d1", "en", "b", "a"), coded("d2", "fr", "a"), coded("d3", "es", "c")]
    forward = aggregate(results, corpus_documents)
    backward = aggregate(list(reversed(results)), list(reversed(corpus_documents)))
    assert forward == backward
    assert repr(forward) == repr(backward)


def test_it_cross_tabulates_kinds_per_code_by_document():
    codes = [coded("a", "en", "C2", "C5"), coded("b", "en", "C2"), coded("c", "en", "C5")]
    kinds = [coded("a", "en", "achievement"), coded("b", "en", "challenge", "achievement")]
    table = cross_tab(codes, kinds)
    assert table.kinds == ("achievement", "challenge", "recommendation")
    assert table.codes == ("C2", "C5")
    assert table.counts["C2"] == {"achievement": 2, "challenge": 1, "recommendation": 0}
    assert table.counts["C5"] == {"achievement": 1, "challenge": 0, "recommendation": 0}
    assert table.code_totals == {"C2": 2, "C5": 1}
    assert table.level == "document"


def test_it_pairs_codes_and_kinds_in_the_same_sentence_when_texts_are_given():
    text = "Broadband coverage improved a lot. Cybercrime is a growing threat."
    broadband, cyber = (0, 9), (35, 45)
    codes = [Coded("a", "en", (Assignment("C2", (broadband,)), Assignment("C5", (cyber,))))]
    kinds = [
        Coded(
            "a",
            "en",
            (Assignment("achievement", ((0, 34),)), Assignment("challenge", ((35, 66),))),
        )
    ]
    table = cross_tab(codes, kinds, texts={"a": text})
    assert table.level == "passage"
    assert table.counts["C2"] == {"achievement": 1, "challenge": 0, "recommendation": 0}
    assert table.counts["C5"] == {"achievement": 0, "challenge": 1, "recommendation": 0}
    same_doc = cross_tab(codes, kinds)
    assert same_doc.counts["C2"]["challenge"] == 1
