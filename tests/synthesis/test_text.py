from synthesis import text as T


def test_it_detects_each_un_language_even_on_short_answers(un_sample):
    language, sample = un_sample
    assert T.detect_language(sample) == language


def test_it_says_other_for_languages_outside_the_six(other_sample):
    assert T.detect_language(other_sample) == "other"


def test_it_tells_russian_from_ukrainian_cyrillic_short_answers():
    assert T.detect_language("Цифровая грамотность") == "ru"
    assert T.detect_language("Цифрова грамотність") == "other"


def test_it_says_other_for_empty_and_letterless_text():
    assert T.detect_language("") == "other"
    assert T.detect_language("   2025 — 42 %  ") == "other"


def test_it_detects_in_batch_the_same_as_one_by_one(samples, other_samples):
    texts = [s for texts in samples.values() for s in texts] + other_samples
    texts += [samples["en"][0]] * 3
    assert T.detect_languages(texts) == [T.detect_language(t) for t in texts]
    assert T.detect_languages([]) == []


def test_it_ignores_urls_when_detecting_the_language():
    assert (
        T.detect_language("Voir https://example.org/digital-skills-report pour les détails") == "fr"
    )


def test_it_normalises_width_soft_hyphens_and_whitespace():
    assert T.normalise("  ＡＩ  for\u00a0inter\u00adnational\n\n cooperation ") == (
        "AI for international cooperation"
    )


def test_it_normalises_arabic_tatweel_diacritics_and_alef_forms():
    assert T.norm("الأمـــنُ") == T.norm("الامن") == "الامن"
    assert T.norm("إنترنت") == "انترنت"
    assert T.normalise_arabic("آمن") == "امن"


def test_it_casefolds_in_norm_but_keeps_the_surface():
    [token] = T.tokens("Straße", "en")
    assert token.surface == "Straße"
    assert token.norm == "strasse"


def test_it_finds_the_french_sentence_boundaries_and_text_start_end_is_the_sentence():
    text = (
        "  Premièrement, il faut agir. Ensuite ? Investir !\n\n Enfin, p. ex. former… les jeunes. "
    )
    found = [(p.paragraph, p.sentence, text[p.start : p.end]) for p in T.passages(text, "fr")]
    assert found == [
        (0, 0, "Premièrement, il faut agir."),
        (0, 1, "Ensuite ?"),
        (0, 2, "Investir !"),
        (1, 0, "Enfin, p. ex. former… les jeunes."),
    ]


def test_it_does_not_split_after_abbreviations_and_initials():
    text = "Use open standards, e.g. the U.N. guidelines and No. 5 of the plan. Then act."
    sentences = [text[p.start : p.end] for p in T.passages(text, "en")]
    assert sentences == [
        "Use open standards, e.g. the U.N. guidelines and No. 5 of the plan.",
        "Then act.",
    ]


def test_it_splits_chinese_and_arabic_sentences():
    zh = "我们需要缩小数字鸿沟。人工智能很重要！对吗？"
    assert [zh[p.start : p.end] for p in T.passages(zh, "zh")] == [
        "我们需要缩小数字鸿沟。",
        "人工智能很重要！",
        "对吗？",
    ]
    ar = "هل الإنترنت متاح للجميع؟ ليس بعد. يجب العمل."
    assert [ar[p.start : p.end] for p in T.passages(ar, "ar")] == [
        "هل الإنترنت متاح للجميع؟",
        "ليس بعد.",
        "يجب العمل.",
    ]


def test_it_keeps_decimals_and_gives_no_passage_for_blank_text():
    text = "Speed grew 2.5 times in 2024. Good."
    assert [text[p.start : p.end] for p in T.passages(text)] == [
        "Speed grew 2.5 times in 2024.",
        "Good.",
    ]
    assert T.passages("   \n\n  ") == []
    assert [(p.start, p.end) for p in T.passages("no terminator")] == [(0, 13)]


def test_it_gives_token_offsets_into_the_original_text(un_sample):
    language, sample = un_sample
    tokens = T.tokens(sample, language)
    assert tokens
    for token in tokens:
        assert sample[token.start : token.end] == token.surface
        assert token.surface.strip() == token.surface


def test_it_lemmatises_and_marks_stop_words_in_english():
    tokens = T.tokens("The governments are building networks", "en")
    assert [(t.surface, t.lemma, t.stop) for t in tokens] == [
        ("The", "the", True),
        ("governments", "government", False),
        ("are", "be", True),
        ("building", "building", False),
        ("networks", "network", False),
    ]


def test_it_keeps_acronyms_such_as_ai_and_it_as_terms():
    assert T.terms("AI and IT for all; ICTs and SDGs matter", "en") == [
        "ai",
        "it",
        "ict",
        "sdg",
        "matter",
    ]


def test_it_gives_lemmatised_content_terms_in_each_language():
    assert T.terms("Les gouvernements doivent renforcer l'accès aux infrastructures.", "fr") == [
        "gouvernement",
        "devoir",
        "renforcer",
        "accès",
        "infrastructure",
    ]
    assert T.terms("Los gobiernos deben invertir en las infraestructuras.", "es") == [
        "gobierno",
        "deber",
        "invertir",
        "infraestructura",
    ]
    assert "инфраструктура" in T.terms("Правительства инвестируют в инфраструктуру.", "ru")
    assert "حكومة" in T.terms("يجب على الحكومات أن تعمل", "ar")


def test_it_segments_chinese_words_with_offsets():
    text = "各国政府应该投资数字基础设施和人工智能。"
    terms = T.terms(text, "zh")
    assert terms == ["各国", "政府", "投资", "数字", "基础设施", "人工智能"]
    for token in T.tokens(text, "zh"):
        assert text[token.start : token.end] == token.surface
    assert all(t.surface != "。" for t in T.tokens(text, "zh"))


def test_it_does_not_let_jieba_write_a_cache_file(tmp_path, monkeypatch):
    import tempfile

    from synthesis import io

    monkeypatch.setattr(io, "_JIEBA", None)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert T._zh_spans("数字鸿沟")
    assert list(tmp_path.iterdir()) == []


def test_it_keeps_hyphenated_compounds_as_one_token():
    assert [t.surface for t in T.tokens("e-government and multi-stakeholder work", "en")] == [
        "e-government",
        "and",
        "multi-stakeholder",
        "work",
    ]


def test_it_has_stop_word_lists_for_the_six_languages():
    assert {"the", "and", "of"} <= T.stopwords("en")
    assert {"le", "les", "et"} <= T.stopwords("fr")
    assert {"el", "los", "y"} <= T.stopwords("es")
    assert {"и", "в", "что"} <= T.stopwords("ru")
    assert {"في", "من", "الى"} <= T.stopwords("ar")  # stored in norm form (alef unified)
    assert {"的", "和"} <= T.stopwords("zh")
    for language in T.LANGUAGES:
        assert len(T.stopwords(language)) >= 100
    assert T.stopwords("other") == frozenset()


def test_it_returns_terms_as_a_fresh_list_each_time():
    first = T.terms("digital skills", "en")
    first.append("x")
    assert T.terms("digital skills", "en") == ["digital", "skill"]


def test_it_lets_short_ambiguous_answers_follow_the_language_of_the_batch():
    english = [
        "Immigration",
        "The economy is the main problem for most families.",
        "Health care costs are far too high for ordinary people.",
    ]
    french = [
        "Immigration",
        "L'économie est le principal problème pour les familles.",
        "Les coûts de santé sont beaucoup trop élevés pour les gens.",
    ]
    assert T.detect_languages(english) == ["en", "en", "en"]
    assert T.detect_languages(french) == ["fr", "fr", "fr"]
    assert T.detect_language("Immigration", prior="fr") == "fr"
    assert T.detect_language("Immigration", prior="en") == "en"
    # the prior never overrides clear evidence
    assert T.detect_languages(["Brecha digital"], prior="en") == ["es"]


def test_it_prepares_a_long_answer_for_lingua_as_if_it_read_the_whole_text():
    def whole(text):  # the definition: normalise everything, drop addresses, clip
        return T._clip(T._URL_RE.sub(" ", T.normalise(text)))

    sentence = "Les écoles rurales ont besoin d'un accès\u00a0abordable à l'inter\u00adnet. "
    long_answers = [
        sentence * 40,
        # an address across the point where the prefix is cut
        sentence * 23 + "x" * 30 + " https://example.org/" + "a" * 200 + " " + sentence * 10,
        # addresses make the prepared prefix shorter than the clip: the whole text is read
        "https://example.org/" + "b" * 1700 + " " + sentence * 20,
        "contact@example.org " * 120 + sentence * 20,
    ]
    for text in long_answers:
        assert len(text) > T._LATIN_PREFIX
        assert T._latin_part(text) == whole(text)
        assert T.detect_language(text) == "fr"


def test_it_splits_words_the_same_with_or_without_underscores_in_the_text(samples):
    for texts in samples.values():
        for text in texts:
            assert T._WORD_NO_UNDERSCORE_RE.findall(text) == T._WORD_RE.findall(text)
    assert [t.surface for t in T.tokens("snake_case and e-government", "en")] == [
        "snake",
        "case",
        "and",
        "e-government",
    ]


def _abbreviation_read_whole(before, following):
    """The check as it reads the whole sentence before a full stop (the reference)."""
    match = T._LAST_WORD_RE.search(before)
    if not match:
        return False
    word = match.group(1).casefold().rstrip(".")
    if word in T._ABBREVIATIONS:
        return True
    if word in T._NUMBER_ABBREVIATIONS and following[:1].isdigit():
        return True
    return bool(T._INITIALS_RE.search(before + "."))


def test_it_finds_abbreviations_at_the_end_of_a_long_sentence_as_in_a_short_one():
    """The check reads only the end of a long sentence; it must decide as if it read it all."""
    import random

    rng = random.Random(7)
    words = ["e.g", "U.N", "No", "art", "Mr", "word", "x.y.z", "A.B", "«Prof", "(i.e", "año", "г",
             "1.5", "sentence", "a" * 60, "b.c." * 20, "xy" + ".b" * 30, "xyz" + ".b" * 30, "étude", "ITU", "“St", "q.", "Z."]  # fmt: skip
    gaps = [" ", "  ", "\n", "\u00a0", "\t", ""]
    decided = set()
    for _ in range(20000):
        before = "".join(rng.choice(words) + rng.choice(gaps) for _ in range(rng.randint(0, 25)))
        before += rng.choice(words)
        following = rng.choice(["5 more", "next", ""])
        expected = _abbreviation_read_whole(before, following)
        assert T._is_abbreviation(before, following) == expected, (before, following)
        decided.add((len(before) > T._ABBREVIATION_TAIL, expected))
    assert decided == {(False, False), (False, True), (True, False), (True, True)}
    text = "We met the working group on page " + "x " * 40 + "e.g. this one. Next."
    assert [text[p.start : p.end] for p in T.passages(text)][-1] == "Next."
    assert len(T.passages(text)) == 2
