"""Zero-shot and supervised coding: evidence, languages, learning, persistence, determinism.

All texts and the codebook below were written for these tests.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

from synthesis import io
from synthesis.codebook import Code, Codebook
from synthesis.coding import (
    SOURCES,
    NotFittedError,
    SupervisedCoder,
    ZeroShotCoder,
    code_all,
    suggest_for_review,
)
from synthesis.text import Document

VILLAGE_CODEBOOK = {
    "id": "village",
    "version": "1",
    "title": {"en": "Village needs"},
    "codes": [
        {
            "id": "water",
            "label": {"en": "Clean water", "fr": "Eau potable", "ar": "المياه", "zh": "饮水"},
            "description": {"en": "Access to safe drinking water and sanitation."},
            "keywords": {
                "en": ["drinking water", "well", "sanitation", "water pump"],
                "fr": ["eau potable", "puits", "assainissement"],
                "es": ["agua potable", "pozo"],
                "ru": ["питьевая вода", "колодец"],
                "ar": ["مياه الشرب", "الصرف الصحي", "بئر"],
                "zh": ["饮用水", "水井", "卫生设施"],
            },
        },
        {
            "id": "school",
            "label": {"en": "Schooling", "fr": "Scolarité", "ar": "التعليم", "zh": "教育"},
            "description": {"en": "Schools, teachers and learning for children."},
            "keywords": {
                "en": ["school", "teacher", "classroom", "textbook"],
                "fr": ["école", "enseignant", "manuel scolaire"],
                "es": ["escuela", "maestro"],
                "ru": ["школа", "учитель"],
                "ar": ["مدرسة", "معلم"],
                "zh": ["学校", "教师", "教室"],
            },
        },
        {
            "id": "roads",
            "label": {"en": "Roads and transport", "fr": "Routes et transports"},
            "description": {"en": "Roads, bridges and buses connecting the village."},
            "keywords": {
                "en": ["road", "bridge", "bus service"],
                "fr": ["route", "pont", "autobus"],
                "ar": ["طريق", "جسر"],
                "zh": ["道路", "桥梁", "公交"],
            },
        },
    ],
}

TEXTS = [
    Document(
        "e1", "The water pump in our village is broken. Children walk two hours to school.", "en"
    ),
    Document("e2", "We need a new bridge and a regular bus service.", "en"),
    Document("e3", "Le village n'a pas d'eau potable et le puits est à sec.", "fr"),
    Document("e4", "نحتاج إلى مياه الشرب النظيفة في القرية.", "ar"),
    Document("e5", "村里的学校没有足够的教师。", "zh"),
    Document("e6", "Our teacher has no textbook and the classroom roof leaks.", "en"),
    Document("e7", "Nothing to add, thank you.", "en"),
    Document("e8", "La route vers le marché est impraticable quand il pleut.", "fr"),
]


@pytest.fixture
def codebook() -> Codebook:
    return Codebook.from_dict(VILLAGE_CODEBOOK)


def _codes(coded) -> dict[str, set[str]]:
    return {c.id: {a.code for a in c.codes} for c in coded}


# --------------------------------------------------------------------------------------------
# Zero-shot coder
# --------------------------------------------------------------------------------------------


def test_it_returns_spans_that_are_exactly_the_evidence(codebook):
    coded = ZeroShotCoder(codebook).fit(TEXTS).code(TEXTS)
    texts = {d.id: d.text for d in TEXTS}
    seen = 0
    for doc in coded:
        for assignment in doc.codes:
            assert assignment.spans
            for start, end in assignment.spans:
                evidence = texts[doc.id][start:end]
                assert evidence and evidence == evidence.strip()
                seen += 1
    assert seen >= 6
    first = {a.code: a for a in next(c for c in coded if c.id == "e1").codes}
    text = texts["e1"]
    assert [text[s:e] for s, e in first["water"].spans] == [
        "The water pump in our village is broken."
    ]
    assert [text[s:e] for s, e in first["school"].spans] == ["Children walk two hours to school."]


def test_it_gives_several_codes_to_one_text_and_names_the_passage(codebook):
    coded = ZeroShotCoder(codebook).fit(TEXTS).code(TEXTS)
    first = next(c for c in coded if c.id == "e1")
    assert {a.code for a in first.codes} == {"water", "school"}
    by_code = {a.code: a for a in first.codes}
    assert "passage 1" in by_code["water"].explanation
    assert "passage 2" in by_code["school"].explanation
    assert [a.score for a in first.codes] == sorted((a.score for a in first.codes), reverse=True)


def test_it_codes_a_french_text_from_french_keywords(codebook):
    coded = ZeroShotCoder(codebook).fit(TEXTS).code(TEXTS)
    french = {a.code: a for a in next(c for c in coded if c.id == "e3").codes}
    assert set(french) == {"water"}
    assert "eau potable" in french["water"].explanation
    assert _codes(coded)["e8"] == {"roads"}


def test_it_codes_arabic_and_chinese_texts(codebook):
    coded = _codes(ZeroShotCoder(codebook).fit(TEXTS).code(TEXTS))
    assert coded["e4"] == {"water"}
    assert coded["e5"] == {"school"}


def test_it_names_the_matched_terms_in_the_explanation(codebook):
    coded = ZeroShotCoder(codebook).fit(TEXTS).code(TEXTS)
    school = next(a for a in next(c for c in coded if c.id == "e6").codes if a.code == "school")
    assert school.explanation.startswith("matched ")
    for term in ("teacher", "textbook", "classroom"):
        assert f"“{term}”" in school.explanation


def test_it_leaves_a_text_without_evidence_uncoded(codebook):
    coded = _codes(ZeroShotCoder(codebook).fit(TEXTS).code(TEXTS))
    assert coded["e7"] == set()
    empty = ZeroShotCoder(codebook).fit(TEXTS).code([Document("x", "   ", "en")])
    assert empty[0].codes == ()


def test_it_detects_the_language_when_none_is_given(codebook):
    coded = ZeroShotCoder(codebook).fit(()).code([Document("q", "Le puits du village est sec.")])
    assert coded[0].language == "fr"
    assert {a.code for a in coded[0].codes} == {"water"}


def test_it_falls_back_to_english_terms_weakly_for_other_languages(codebook):
    coder = ZeroShotCoder(codebook).fit(())
    # "sanitation" is only an English keyword; the Spanish text still mentions it.
    coded = coder.code([Document("s", "Falta sanitation en el barrio.", "es")])
    scores = {a.code: a.score for a in coded[0].codes}
    english = coder.code([Document("t", "No sanitation in the district.", "en")])
    assert scores.get("water", 0.0) < {a.code: a.score for a in english[0].codes}["water"]


def test_it_offers_word_level_evidence_on_request(codebook):
    coder = ZeroShotCoder(codebook, evidence="term").fit(TEXTS)
    text = "Our teacher has no textbook."
    spans = coder.code([Document("w", text, "en")])[0].codes[0].spans
    assert [text[s:e] for s, e in spans] == ["teacher", "textbook"]


def test_it_sets_the_threshold_from_the_corpus_or_a_labelled_sample(codebook):
    corpus = ZeroShotCoder(codebook).fit(TEXTS * 5)
    assert corpus.threshold_source_.startswith("corpus")
    labels = {"e1": ["water", "school"], "e2": ["roads"], "e3": ["water"], "e7": []}
    sampled = ZeroShotCoder(codebook).fit(TEXTS, labels=labels)
    assert sampled.threshold_source_.startswith("labelled sample")
    fixed = ZeroShotCoder(codebook, threshold=0.99).fit(TEXTS)
    assert fixed.threshold_source_ == "fixed"
    assert _codes(fixed.code(TEXTS))["e2"] == set()


def test_it_records_its_capability_in_every_assignment(codebook):
    for doc in ZeroShotCoder(codebook).fit(TEXTS).code(TEXTS):
        for assignment in doc.codes:
            assert assignment.source == "lexical"
            assert assignment.source in SOURCES
            assert 0.0 < assignment.score < 1.0
            assert round(assignment.score, 4) == assignment.score


def test_it_uses_an_embedder_when_given_one(codebook):
    class Echo:
        """Bag of a few words: enough to make "drought" close to the water code."""

        vocabulary = ("water", "drought", "dry", "school", "teach", "road", "bus")

        def encode(self, texts):
            rows = []
            for text in texts:
                lowered = text.lower()
                row = [float(w in lowered) for w in self.vocabulary]
                row[0] += row[1] + row[2]
                rows.append(row)
            return np.array(rows)

    coder = ZeroShotCoder(codebook, embedder=Echo()).fit(TEXTS)
    coded = coder.code([Document("d", "The drought left everything dry.", "en")])
    sources = {a.code: a.source for a in coded[0].codes}
    assert sources.get("water") == "embeddings"


def test_it_refuses_to_code_before_fit(codebook):
    with pytest.raises(NotFittedError):
        ZeroShotCoder(codebook).code(TEXTS)
    with pytest.raises(NotFittedError):
        code_all({"village": ZeroShotCoder(codebook)}, TEXTS)


def test_it_codes_several_codebooks_in_one_pass_exactly_as_one_by_one(codebook):
    """Sharing the passages and their terms across codebooks changes nothing in any result."""
    corpus = [*TEXTS, *(replace(d, id=f"{d.id}-again") for d in TEXTS)]  # repeats inside a batch
    coders = {
        "village": ZeroShotCoder(codebook, batch_size=5).fit(corpus),
        "village-terms": ZeroShotCoder(codebook, evidence="term", relative=0.0).fit(corpus),
        "trends": ZeroShotCoder(io.read_codebook("trends")).fit(corpus),
    }
    together = code_all(coders, corpus)
    assert list(together) == ["village", "village-terms", "trends"]
    for name, coder in coders.items():
        assert together[name] == coder.code(corpus), name
    assert _codes(together["village"])["e3-again"] == {"water"}
    assert code_all(coders, corpus, n_jobs=2) == together  # in two processes: the same, in order
    # Enough batches that workers are handed two at a time, then one at the end.
    many = [replace(d, id=f"{d.id}-{k}") for k in range(6) for d in corpus]
    assert code_all(coders, many, n_jobs=3) == {name: coder.code(many) for name, coder in coders.items()}
    with pytest.raises(ValueError, match="n_jobs"):
        code_all(coders, corpus, n_jobs=0)


MULTILINGUAL = [
    Document("m-en", "Artificial intelligence and blockchain help e-government. Cybersecurity "
             "threats grow; the digital divide persists in rural areas.", "en"),
    Document("m-fr", "L'intelligence artificielle et la cybersécurité sont des priorités. La "
             "fracture numérique reste un défi pour les zones rurales.", "fr"),
    Document("m-es", "La inteligencia artificial y la ciberseguridad; la brecha digital y la "
             "financiación siguen siendo un desafío.", "es"),
    Document("m-ru", "Искусственный интеллект и кибербезопасность важны. Цифровой разрыв "
             "сохраняется.", "ru"),
    Document("m-ar", "الذكاء الاصطناعي والأمن السيبراني من الأولويات. الفجوة الرقمية ما زالت "
             "قائمة.", "ar"),
    Document("m-zh", "人工智能和区块链技术正在改变电子政务。数字鸿沟和网络安全仍然是挑战。", "zh"),
    Document("m-zh2", "物联网与云计算支持可持续发展目标，大数据帮助教育。", "zh"),
]  # fmt: skip


def test_it_codes_the_builtin_codebooks_in_six_languages_in_one_pass_as_one_by_one():
    """Matching every codebook's vocabulary at once (phrases, Chinese substrings) finds what
    each codebook finds alone."""
    corpus = [*MULTILINGUAL, *(replace(d, id=f"{d.id}-again") for d in MULTILINGUAL)]
    names = ("wsis-action-lines", "sdgs", "trends", "challenges", "kinds")
    coders = {name: ZeroShotCoder(io.read_codebook(name)).fit(corpus) for name in names}
    coders["trends-terms"] = ZeroShotCoder(io.read_codebook("trends"), evidence="term").fit(corpus)
    together = code_all(coders, corpus)
    for name, coder in coders.items():
        assert together[name] == coder.code(corpus), name
    trends = _codes(together["trends"])
    assert {"ai", "blockchain"} <= trends["m-zh"]
    assert "ai" in trends["m-fr"] and "ai" in trends["m-ar"]


def test_it_finds_keywords_made_only_of_stop_words_as_whole_words():
    """"should", "must", "hay que", "нужно", "يجب" are stop words, so no lemma is left of them; the
    kinds codebook still needs them to tell a recommendation."""
    docs = [
        Document("en", "Governments should act now.", "en"),
        Document("en-not", "The mustard harvest was large.", "en"),
        Document("es", "Hay que actuar ya.", "es"),
        Document("ru", "Нужно действовать сейчас.", "ru"),
        Document("ar", "ويجب على الحكومات أن تتحرك الآن.", "ar"),  # "and must": و written on
        Document("ar-not", "الحكومات تتحرك الآن.", "ar"),
        Document("en-challenge", "Universal connectivity is not yet here.", "en"),
    ]
    kinds = ZeroShotCoder(io.read_codebook("kinds")).fit()
    coded = _codes(kinds.code(docs))
    assert coded["en"] == coded["es"] == coded["ru"] == coded["ar"] == {"recommendation"}
    assert coded["en-not"] == coded["ar-not"] == set()
    assert coded["en-challenge"] == {"challenge"}
    (should,) = kinds.code(docs[:1])[0].codes
    assert "“should”" in should.explanation
    challenges = ZeroShotCoder(io.read_codebook("challenges")).fit()
    together = code_all({"kinds": kinds, "challenges": challenges}, docs)
    assert together["kinds"] == kinds.code(docs) and together["challenges"] == challenges.code(docs)


def test_it_codes_in_one_pass_as_one_by_one_when_a_term_holds_a_space():
    """NFKC spells ﷺ as four words in one term; another codebook's two-word phrase must not make
    the first codebook find its five-word keyword where, alone, it would not."""
    blessing = Codebook(
        "p", "1", {"en": "P"}, (Code("prophet", {"en": "Prophet"}, keywords={"ar": ("محمد ﷺ",)}),)
    )
    message = Codebook(
        "q", "1", {"en": "Q"}, (Code("x", {"en": "X"}, keywords={"ar": ("محمد رسول",)}),)
    )
    coders = {
        "p": ZeroShotCoder(blessing, threshold=0.01).fit(()),
        "q": ZeroShotCoder(message, threshold=0.01).fit(()),
    }
    docs = [Document("d1", "قال محمد ﷺ ذلك", "ar"), Document("d2", "محمد رسول الله", "ar")]
    together = code_all(coders, docs)
    for name, coder in coders.items():
        assert together[name] == coder.code(docs), name


def test_it_reports_a_failure_in_a_worker_process_instead_of_hanging(codebook, monkeypatch):
    from synthesis import coding

    coder = ZeroShotCoder(codebook).fit(TEXTS)
    corpus = [replace(d, id=f"{d.id}-{k}") for k in range(8) for d in TEXTS]
    real = coding._code_all_batch

    def failing(coders, batch):
        if any(d.id.endswith("-7") for d in batch):  # the last batches: a worker's
            raise RuntimeError("worker failed")
        return real(coders, batch)

    monkeypatch.setattr(coding, "_code_all_batch", failing)  # forked workers inherit it
    with pytest.raises(RuntimeError, match="worker failed"):
        code_all({"village": coder}, corpus, n_jobs=2)
    monkeypatch.setattr(coding, "_code_all_batch", real)
    assert code_all({"village": coder}, corpus, n_jobs=2) == code_all({"village": coder}, corpus)


def test_it_codes_in_one_pass_with_a_refitted_coders_new_vocabulary(codebook):
    first = [*TEXTS[:4]]
    coders = {
        "village": ZeroShotCoder(codebook, expand=5).fit(first),
        "trends": ZeroShotCoder(io.read_codebook("trends")).fit(first),
    }
    code_all(coders, TEXTS)
    coders["village"].fit([*TEXTS, *MULTILINGUAL])  # learns other related terms
    together = code_all(coders, TEXTS)
    for name, coder in coders.items():
        assert together[name] == coder.code(TEXTS), name


# --------------------------------------------------------------------------------------------
# Supervised coder
# --------------------------------------------------------------------------------------------

PRICE = [
    "far too expensive",
    "the price went up again",
    "cheap and good value",
    "costs more than elsewhere",
    "fair price for the quality",
]
STAFF = [
    "the staff were rude",
    "a friendly and helpful shop assistant",
    "nobody answered my questions",
    "the cashier was very kind",
    "staff ignored us",
]
DELIVERY = [
    "the parcel arrived late",
    "delivery took three weeks",
    "fast shipping",
    "the courier lost my package",
    "arrived the next day",
]


def _reviews() -> tuple[list[Document], dict[str, list[str]]]:
    documents, labels = [], {}
    n = 0
    for i in range(5):
        for phrases, code in ((PRICE, "price"), (STAFF, "staff"), (DELIVERY, "delivery")):
            documents.append(Document(f"r{n:02d}", phrases[i].capitalize() + ".", "en"))
            labels[f"r{n:02d}"] = [code]
            n += 1
        documents.append(
            Document(f"r{n:02d}", f"{PRICE[i].capitalize()}, and {STAFF[(i + 2) % 5]}.", "en")
        )
        labels[f"r{n:02d}"] = ["price", "staff"]
        n += 1
        documents.append(
            Document(f"r{n:02d}", f"{DELIVERY[i].capitalize()}; {PRICE[(i + 1) % 5]}.", "en")
        )
        labels[f"r{n:02d}"] = ["delivery", "price"]
        n += 1
        documents.append(
            Document(f"r{n:02d}", f"{STAFF[i].capitalize()}. {DELIVERY[(i + 3) % 5]}.", "en")
        )
        labels[f"r{n:02d}"] = ["delivery", "staff"]
        n += 1
    return documents, labels


SHOP = {
    "id": "shop",
    "version": "1",
    "title": {"en": "Shop reviews"},
    "codes": [
        {"id": "price", "label": {"en": "Price"}},
        {"id": "staff", "label": {"en": "Staff"}},
        {"id": "delivery", "label": {"en": "Delivery"}},
        {"id": "refund", "label": {"en": "Refund"}, "keywords": {"en": ["refund", "money back"]}},
        {"id": "parking", "label": {"en": "Parking"}},
    ],
}


@pytest.fixture(scope="module")
def shop_model():
    documents, labels = _reviews()
    labels["r00"] = ["price", "parking"]  # a code seen once: too rare to learn
    coder = SupervisedCoder(Codebook.from_dict(SHOP), cv_folds=3).fit(documents, labels)
    return coder, documents, labels


def test_it_learns_a_toy_task_and_beats_chance_in_cross_validation(shop_model):
    coder, documents, labels = shop_model
    assert len(documents) == 30
    report = coder.cv_report_
    assert set(report) >= {"n", "sample_f1", "micro", "macro", "per_code"}
    # Chance: always answering the most frequent code.
    most = max(("price", "staff", "delivery"), key=lambda c: sum(c in v for v in labels.values()))
    chance = np.mean([2 * (most in v) / (len(v) + 1) for v in labels.values()])
    assert report["sample_f1"] > chance + 0.2
    new = [
        Document("n1", "Way too expensive.", "en"),
        Document("n2", "The parcel came late.", "en"),
    ]
    coded = _codes(coder.code(new))
    assert "price" in coded["n1"]
    assert "delivery" in coded["n2"]


def test_it_always_gives_a_confident_text_at_least_its_top_code(shop_model):
    coder, _, _ = shop_model
    coded = coder.code([Document("z", "Staff.", "en"), Document("y", "Hmm.", "en")])
    assert all(c.codes for c in coded)  # every training example had a code


def test_it_leaves_texts_uncoded_when_the_examples_say_some_texts_have_no_code():
    documents, labels = _reviews()
    for n, text in enumerate(
        ["Thanks.", "No comment.", "Nothing to add.", "All fine, thank you.", "No opinion."] * 2
    ):
        documents.append(Document(f"q{n}", text, "en"))
        labels[f"q{n}"] = []
    coder = SupervisedCoder(Codebook.from_dict(SHOP), cv_folds=3).fit(documents, labels)
    assert coder.any_model_
    coded = _codes(
        coder.code(
            [Document("a", "No comment, thanks.", "en"), Document("b", "Too expensive.", "en")]
        )
    )
    assert coded["a"] == set()
    assert "price" in coded["b"]


def test_it_handles_rare_codes_without_guessing(shop_model):
    coder, documents, _ = shop_model
    assert not any("parking" in {a.code for a in c.codes} for c in coder.code(documents))
    # "refund" has no examples at all but has keywords: the zero-shot coder covers it.
    coded = coder.code([Document("f", "I asked for a refund twice.", "en")])[0]
    refund = [a for a in coded.codes if a.code == "refund"]
    assert refund and refund[0].source == "lexical"


def test_it_explains_supervised_codes_with_spans_and_terms(shop_model):
    coder, _, _ = shop_model
    text = "The staff were rude. The courier lost my package."
    coded = coder.code([Document("m", text, "en")])[0]
    by_code = {a.code: a for a in coded.codes}
    assert {"staff", "delivery"} <= set(by_code)
    assert [text[s:e] for s, e in by_code["delivery"].spans] == ["The courier lost my package."]
    assert "strongest terms" in by_code["delivery"].explanation
    assert by_code["delivery"].source == "supervised"


def test_it_saves_and_loads_a_model_with_identical_predictions(shop_model, tmp_path):
    coder, documents, _ = shop_model
    io.save_model(coder, tmp_path / "model")
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == ["arrays.npz", "model.json"]
    loaded = io.load_model(tmp_path / "model")
    probe = documents + [Document("f", "A refund, please; the staff were rude.", "en")]
    assert io.dumps(loaded.code(probe)) == io.dumps(coder.code(probe))
    assert loaded.cv_report_ == coder.cv_report_


def test_it_refuses_a_directory_that_is_not_a_model(tmp_path):
    with pytest.raises(io.InputError):
        io.load_model(tmp_path)


def test_it_is_deterministic_byte_for_byte(codebook):
    documents, labels = _reviews()
    shop = Codebook.from_dict(SHOP)
    runs = [SupervisedCoder(shop, seed=3, cv_folds=3).fit(documents, labels) for _ in range(2)]
    assert io.dumps(runs[0].code(documents)) == io.dumps(runs[1].code(documents))
    assert io.dumps(runs[0].cv_report_) == io.dumps(runs[1].cv_report_)
    zero = [io.dumps(ZeroShotCoder(codebook).fit(TEXTS).code(TEXTS)) for _ in range(2)]
    assert zero[0] == zero[1]


def test_it_suggests_uncertain_and_varied_texts_for_review(shop_model):
    coder, _, _ = shop_model
    pool = [
        Document("p1", "Expensive, but the staff were kind.", "en"),
        Document("p2", "Expensive, but the staff were kind!", "en"),
        Document("p3", "Parcel late and the price too high.", "en"),
        Document("p4", "Nice weather today.", "en"),
        Document("p5", "Fast shipping.", "en"),
    ]
    first = suggest_for_review(coder, pool, k=3)
    assert first == suggest_for_review(coder, list(reversed(pool)), k=3)
    assert len(first) == len(set(first)) == 3
    assert not {"p1", "p2"} <= set(first)  # near-duplicates are not both asked
    everything = suggest_for_review(coder, pool, k=10)
    assert everything[:3] == first and sorted(everything) == ["p1", "p2", "p3", "p4", "p5"]
    zero_shot = ZeroShotCoder(Codebook.from_dict(VILLAGE_CODEBOOK)).fit(())
    assert len(suggest_for_review(zero_shot, TEXTS, k=2)) == 2


def test_it_refuses_labels_outside_the_codebook():
    documents, labels = _reviews()
    labels["r01"] = ["weather"]
    with pytest.raises(ValueError, match="weather"):
        SupervisedCoder(Codebook.from_dict(SHOP), cv_folds=3).fit(documents, labels)


# --------------------------------------------------------------------------------------------
# Optional LLM client (labels and summaries only)
# --------------------------------------------------------------------------------------------


def test_it_talks_to_an_openai_compatible_server():
    seen = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen["path"], seen["body"] = self.path, body
            reply = {"choices": [{"message": {"role": "assistant", "content": " Water access "}}]}
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            return None

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        answer = io.openai_compatible_chat(
            [{"role": "user", "content": "Name this theme."}],
            base_url=f"http://127.0.0.1:{server.server_port}",
            model="local",
        )
    finally:
        server.shutdown()
    assert answer == "Water access"
    assert seen["path"] == "/v1/chat/completions"
    assert seen["body"]["temperature"] == 0.0 and seen["body"]["model"] == "local"
    with pytest.raises(io.LLMError):
        io.openai_compatible_chat(
            [{"role": "user", "content": "x"}],
            base_url="http://127.0.0.1:9",
            model="m",
            timeout=2,
        )


def test_it_widens_the_pipe_workers_send_results_through_and_never_fails_on_it():
    import fcntl
    import multiprocessing
    import types
    from concurrent.futures import ProcessPoolExecutor

    from synthesis.coding import _widen_result_pipe

    if not hasattr(fcntl, "F_GETPIPE_SZ"):
        pytest.skip("pipe sizes are a Linux feature")
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        reader = pool._result_queue._reader.fileno()
        before = fcntl.fcntl(reader, fcntl.F_GETPIPE_SZ)
        _widen_result_pipe(pool)
        assert fcntl.fcntl(reader, fcntl.F_GETPIPE_SZ) >= max(before, 1 << 18)
    _widen_result_pipe(types.SimpleNamespace())  # an executor without that pipe: nothing happens
