"""Text basics for the six UN languages: language identification, normalisation, passages, tokens.

Every offset here points into the ORIGINAL text (never into a normalised copy), so that evidence
spans shown to analysts are exactly what the respondent wrote. Heavy resources (the lingua
detector, jieba's dictionary, stop words, lemma caches) are built once, lazily, per process.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from synthesis._gc import pausing

LANGUAGES: tuple[str, ...] = ("ar", "zh", "en", "fr", "ru", "es")
OTHER = "other"


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    text: str
    language: str | None = None
    meta: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Passage:
    """A sentence: ``text[start:end]`` with no surrounding whitespace.

    ``paragraph`` counts blank-line separated paragraphs; ``sentence`` counts sentences within
    that paragraph (both 0-based).
    """

    start: int
    end: int
    paragraph: int
    sentence: int


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    surface: str
    norm: str
    lemma: str
    stop: bool


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------

_SOFT_HYPHEN = "\u00ad"
_WS_RE = re.compile(r"\s+")
_ARABIC_DIACRITICS_RE = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ALEF_TABLE = str.maketrans(
    {"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627"}
)
_INVISIBLE_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def normalise(text: str) -> str:
    """NFKC, soft hyphens removed, whitespace collapsed: the form used for display and hashing."""
    text = unicodedata.normalize("NFKC", text).replace(_SOFT_HYPHEN, "")
    return _WS_RE.sub(" ", text).strip()


def normalise_arabic(text: str) -> str:
    """Tatweel and diacritics removed, alef forms unified (أ إ آ ٱ -> ا)."""
    return _ARABIC_DIACRITICS_RE.sub("", text).translate(_ALEF_TABLE)


@lru_cache(maxsize=1 << 18)
def norm(word: str) -> str:
    """Matching form of a word: NFKC, casefolded, invisible marks removed, Arabic normalised."""
    word = _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", word)).casefold()
    if _HAS_ARABIC_RE.search(word):
        word = normalise_arabic(word)
    return word


# --------------------------------------------------------------------------------------------
# Language identification
# --------------------------------------------------------------------------------------------

_ARABIC_RE = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]")
_HAS_ARABIC_RE = _ARABIC_RE
# Letters of Arabic-script languages that Arabic itself does not use (Persian پ چ ژ گ, Urdu).
_NON_ARABIC_LETTERS_RE = re.compile(
    "[\u067e\u0686\u0698\u06af\u0679\u0688\u0691\u06ba\u06c1\u06d2]"
)
# Persian yeh and keheh (ی ک) also appear in Arabic typed on Persian keyboards; together with
# Persian function words they mark Persian.
_PERSIAN_FORMS_RE = re.compile("[\u06cc\u06a9]")
_ARABIC_FORMS_RE = re.compile("[\u064a\u0643\u0649]")
_PERSIAN_WORDS_RE = re.compile("(?:^|\\s)(?:است|را|می|های|برای|از|این|که)(?=\\s|$)")
_HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_KANA_HANGUL_RE = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff]")
_CYRILLIC_RE = re.compile("[\u0400-\u04ff]")
# Cyrillic letters that Russian does not use (Ukrainian, Belarusian, Serbian, Macedonian, ...).
_NON_RUSSIAN_CYRILLIC_RE = re.compile("[іїєґўђјљњћџѓќѕІЇЄҐЎЂЈЉЊЋЏЃЌЅ]")
_LATIN_RE = re.compile("[A-Za-z\u00c0-\u024f]")
_LETTER_RE = re.compile(r"[^\W\d_]")
_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")
SCRIPT_CHARS = 400  # the writing system shows in the first few hundred characters

# A Latin-script text is "other" only when a decoy language is confidently ahead of en/fr/es:
# on answers of two or three words lingua's confidences are flat, and in a UN consultation a
# short answer is far more likely to be in one of the six languages.
OTHER_MIN_CONFIDENCE = 0.5
OTHER_MIN_RATIO = 3.0
# Latin-script languages the detector also knows so that they are not forced into en/fr/es.
_DECOYS = ("de", "pt", "it", "nl", "ca", "id", "tr", "pl", "sw")
_DETECTOR = None


def _detector():
    """Lingua detector for the Latin-script UN languages plus common decoys, built once."""
    global _DETECTOR
    if _DETECTOR is None:
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        codes = [getattr(IsoCode639_1, code.upper()) for code in ("en", "fr", "es", *_DECOYS)]
        _DETECTOR = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()
    return _DETECTOR


def _words(text: str) -> list[str]:
    return text.split()


class _ScriptClasses(dict):
    """Character -> its class for ``_by_script``, filled on first sight (``str.translate`` looks
    every character up here): one pass over a text instead of one regex scan per script.

    Upper case for letters, lower case for other characters of a script (digits, punctuation);
    characters of no script and no letter are dropped.
    """

    _SCRIPTS = (
        ("a", _ARABIC_RE),
        ("h", _HAN_RE),
        ("c", _CYRILLIC_RE),
        ("l", _LATIN_RE),
        ("k", _KANA_HANGUL_RE),
    )

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        script = next((name for name, pattern in self._SCRIPTS if pattern.match(char)), "")
        if _LETTER_RE.match(char):
            value: str | None = (script or "o").upper()
        else:
            value = script or None
        self[code] = value
        return value


_SCRIPT_CLASSES = _ScriptClasses()


def _by_script(text: str) -> str | None:
    """Decide from the writing system when it is unambiguous; None means ask lingua."""
    text = text[:SCRIPT_CHARS]
    if text.isascii():
        return None if _ASCII_LETTER_RE.search(text) else OTHER
    classes = text.translate(_SCRIPT_CLASSES)
    letters = len(classes) - sum(map(classes.count, "ahclk"))
    if letters == 0:
        return OTHER
    arabic = classes.count("A") + classes.count("a")
    han = classes.count("H") + classes.count("h")
    cyrillic = classes.count("C") + classes.count("c")
    kana_hangul = classes.count("K") + classes.count("k")
    if kana_hangul and (kana_hangul * 10 >= han + kana_hangul or kana_hangul >= 3):
        return OTHER
    latin = classes.count("L") + classes.count("l")
    best = max(arabic, han * 3, cyrillic, latin)  # a Han character carries about a word
    if best == 0 or (han == 0 and 2 * best < letters):
        return OTHER  # mostly another writing system (Greek, Devanagari, Hebrew, ...)
    if han * 3 == best:
        return "zh"
    if arabic == best:
        if len(_NON_ARABIC_LETTERS_RE.findall(text)) * 50 > arabic:
            return OTHER
        persian_forms = len(_PERSIAN_FORMS_RE.findall(text))
        if persian_forms > len(_ARABIC_FORMS_RE.findall(text)):
            words = text.split()
            with_article = sum(1 for w in words if w.startswith(("ال", "وال", "بال", "لل")))
            if _PERSIAN_WORDS_RE.search(text) or with_article * 6 < len(words):
                return OTHER  # Persian; Arabic typed on a Persian keyboard keeps its articles
        return "ar"
    if cyrillic == best:
        if _NON_RUSSIAN_CYRILLIC_RE.search(text):
            return OTHER
        return "ru"
    return None


_LATIN_UN = ("en", "fr", "es")
SHORT_TEXT_WORDS = 4
VOCABULARY_WORDS = 40
# lingua's cost grows with length; the first few hundred characters settle the language.
MAX_DETECT_CHARS = 400
# Function words of the decoy languages that en/fr/es do not use: a text rich in them goes to
# lingua instead of the function-word shortcut (Portuguese and Catalan share many words with es).
_DECOY_WORDS = frozenset(
    _words(
        "und der die das nicht ist mit für auf ein eine den dem sich auch werden wir zu von "  # de
        "não em uma do da dos das com ao aos pelo pela também são muito isso essa esse ou "  # pt
        "il di che non per della delle degli gli sono anche nel nella alla questo questa è più "  # it
        "het een niet voor zijn ook wij naar worden met dat bij "  # nl
        "els amb més perquè aquest aquesta són pel dels "  # ca
        "dan yang untuk dengan ini itu "  # id
    )
)
_FUNCTION_WORDS_MIN = 3


@cache
def _function_word_hints() -> dict[str, frozenset[str]]:
    """Stop words that only one of en/fr/es uses (and no decoy language)."""
    hints = {}
    for lang in _LATIN_UN:
        others = set().union(*(_stopwords(o) for o in _LATIN_UN if o != lang))
        hints[lang] = frozenset(_stopwords(lang) - others - _DECOY_WORDS)
    return hints


@cache
def _function_word_language() -> dict[str, str]:
    """Each hint word and its one language (the hint lists share no word)."""
    return {word: lang for lang, hints in _function_word_hints().items() for word in hints}


def _latin_words(text: str) -> list[str]:
    # An ASCII word's matching form is its lower case (norm's NFKC and mark removal do nothing).
    return [
        w.lower() if w.isascii() else norm(w)
        for w in _word_re(text).findall(text, 0, MAX_DETECT_CHARS * 2)
        if not w.isdigit()
    ]


def _by_function_words(words: list[str]) -> str | None:
    """en/fr/es decided from distinctive function words when they are plentiful and one-sided."""
    if len(words) < _FUNCTION_WORDS_MIN:
        return None
    found = Counter(map(_function_word_language().get, words))
    counts = sorted(((found[lang], -i, lang) for i, lang in enumerate(_LATIN_UN)), reverse=True)
    best, second = counts[0][0], counts[1][0]
    if best < _FUNCTION_WORDS_MIN or best < 3 * second:
        return None
    decoys = sum(map(_DECOY_WORDS.__contains__, words))
    if 3 * decoys > best:
        return None
    return counts[0][2]


@lru_cache(maxsize=1 << 18)
def _known_languages(word: str) -> frozenset[str]:
    """Which of en/fr/es have this (normalised) word.

    A function word belongs to the languages whose stop list has it (simplemma's English
    dictionary also "knows" les, la, pour, las, y, ...); other words to those whose dictionary
    has it.
    """
    by_stop = frozenset(lang for lang in _LATIN_UN if word in _stopwords(lang))
    if by_stop:
        return by_stop
    import simplemma

    return frozenset(lang for lang in _LATIN_UN if simplemma.is_known(word, lang=lang))


def _vocabulary(words: list[str]) -> dict[str, int]:
    """Unknown-word counts per language over the first words of a text."""
    counted = [w for w in words[:VOCABULARY_WORDS] if len(w) >= 2]
    unknown = dict.fromkeys(_LATIN_UN, 0)
    for word in counted:
        known = _known_languages(word)
        for lang in _LATIN_UN:
            if lang not in known:
                unknown[lang] += 1
    return unknown


def _known_in(words: list[str]) -> frozenset[str] | None:
    """For short answers, the Latin-script UN languages whose dictionary knows every word.

    lingua's character models have little to go on in "Digital inclusion"; simplemma's
    dictionaries (and our stop-word lists) say which of en/fr/es the words exist in.
    """
    if not words or len(words) > SHORT_TEXT_WORDS:
        return None
    known = frozenset(lang for lang, n in _vocabulary(words).items() if n == 0)
    return known or None


def _by_vocabulary(words: list[str]) -> str | None:
    """en/fr/es decided when one language's dictionary knows (nearly) every word and the other
    two clearly do not; anything in between goes to lingua."""
    n = min(len([w for w in words if len(w) >= 2]), VOCABULARY_WORDS)
    if n == 0:
        return None
    unknown = _vocabulary(words)
    ranked = sorted(_LATIN_UN, key=lambda lang: (unknown[lang], _LATIN_UN.index(lang)))
    best, runner_up = ranked[0], ranked[1]
    if n <= SHORT_TEXT_WORDS:
        return best if unknown[best] == 0 and unknown[runner_up] > 0 else None
    if unknown[best] > n // 10:
        return None
    if unknown[runner_up] < max(2, n // 4):
        return None
    if 3 * sum(w in _DECOY_WORDS for w in words) > n:
        return None
    return best


def _from_confidences(values, words: list[str], prior: str | None = None) -> str:
    allowed = _known_in(words)
    best_un = None
    best_un_value = 0.0
    best_other_value = 0.0
    for value in values:
        code = value.language.iso_code_639_1.name.lower()
        if code in LANGUAGES:
            if allowed is not None and code not in allowed:
                continue
            if best_un is None or value.value > best_un_value:
                best_un, best_un_value = code, value.value
        else:
            best_other_value = max(best_other_value, value.value)
    if best_un is None:
        return OTHER
    if (
        best_other_value >= OTHER_MIN_CONFIDENCE
        and best_other_value >= OTHER_MIN_RATIO * best_un_value
    ):
        return OTHER
    short = 0 < len(words) <= SHORT_TEXT_WORDS
    if prior in _LATIN_UN and short:
        # An ambiguous short answer ("Immigration", "no") follows the rest of the batch.
        if allowed is not None and prior in allowed:
            return prior
        if allowed is None:
            unknown = _vocabulary(words)  # typos: the prior knows as many words as any other
            if unknown[prior] == min(unknown.values()) or best_un_value < OTHER_MIN_CONFIDENCE:
                return prior
    return best_un


def _clip(text: str) -> str:
    if len(text) <= MAX_DETECT_CHARS:
        return text
    cut = text.rfind(" ", 0, MAX_DETECT_CHARS)
    return text[: cut if cut > 0 else MAX_DETECT_CHARS]


def detect_language(text: str, *, prior: str | None = None) -> str:
    """One of LANGUAGES or "other"; tuned to stay right on answers of a few words.

    ``prior`` (a language expected in the corpus) settles short answers that are words in more
    than one language; ``detect_languages`` derives it from the batch.
    """
    decided = _by_script(text)
    if decided is not None:
        return decided
    latin = _latin_part(text)
    words = _latin_words(latin)
    decided = _by_function_words(words) or _by_vocabulary(words)
    if decided is not None:
        return decided
    values = _detector().compute_language_confidence_values(latin)
    return _from_confidences(values, words, prior)


def _latin_part(text: str) -> str:
    """Text for lingua: normalised, clipped, without URLs and e-mail addresses (they mislead)."""
    if len(text) > _LATIN_PREFIX:
        # Only the first few hundred characters are kept: prepare a prefix that ends before an
        # ASCII space (no normalisation, whitespace run or URL crosses it), and keep the result
        # when it is still longer than the clip, as the whole text's would begin the same way.
        cut = text.rfind(" ", 0, _LATIN_PREFIX)
        if cut > 0:
            prefix = _without_addresses(normalise(text[:cut]))
            if len(prefix) > MAX_DETECT_CHARS:
                return _clip(prefix)
    return _clip(_without_addresses(normalise(text)))


def _without_addresses(text: str) -> str:
    # The pattern backtracks through every word looking for "@": most texts can skip it.
    if "@" in text or "://" in text or "www." in text:
        return _URL_RE.sub(" ", text)
    return text


_LATIN_PREFIX = 4 * MAX_DETECT_CHARS


_URL_RE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+")


@pausing
def detect_languages(texts: Sequence[str], *, prior: str | None = None) -> list[str]:
    """Batch detection, fast on large inputs.

    Writing systems and function words settle most texts without lingua; the rest go through
    lingua's batch API once per distinct text. Ambiguous short answers then follow ``prior``,
    by default the most common of en/fr/es among the texts already decided.
    """
    results: list[str | None] = [None] * len(texts)
    pending: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        decided = _by_script(text)
        if decided is None:
            latin = _latin_part(text)
            if latin in pending:
                pending[latin].append(i)
                continue
            words = _latin_words(latin)
            decided = _by_function_words(words) or _by_vocabulary(words)
            if decided is None:
                pending[latin] = [i]
                continue
        results[i] = decided
    if pending:
        keys = list(pending)
        confidences = _detector().compute_language_confidence_values_in_parallel(keys)
        words = {key: _latin_words(key) for key in keys}
        first = {
            key: _from_confidences(values, words[key])
            for key, values in zip(keys, confidences, strict=True)
        }
        if prior is None:
            prior = _majority([r for r in results if r is not None] + list(first.values()))
        for key, values in zip(keys, confidences, strict=True):
            language = _from_confidences(values, words[key], prior)
            for i in pending[key]:
                results[i] = language
    return [r if r is not None else OTHER for r in results]


def _majority(languages: list[str]) -> str | None:
    counts = {lang: 0 for lang in _LATIN_UN}
    for lang in languages:
        if lang in counts:
            counts[lang] += 1
    best = max(_LATIN_UN, key=lambda lang: (counts[lang], -_LATIN_UN.index(lang)))
    return best if counts[best] else None


# --------------------------------------------------------------------------------------------
# Passages
# --------------------------------------------------------------------------------------------

_PARAGRAPH_RE = re.compile(r"\n[ \t\r\f\v\u00a0\u3000]*\n\s*")
# A sentence ends at a run of terminators plus closing quotes/brackets, followed by whitespace or
# the end; CJK terminators need no following space.
_BOUNDARY_RE = re.compile(
    r"(?:[.!?…]+|[؟])[\"'”’»)\]]*(?=\s|$)"
    r"|[。！？]+[”’」』）)\]]*"
    r"|\.\.\.(?=\s)"
)


_ABBREVIATIONS = frozenset(
    _words(
        "e.g i.e vs cf mr mrs ms dr prof st al approx inc ltd co jr sr u.n u.s u.k e.u i.t.u "
        "a.m p.m ph.d jan feb mar apr jun jul aug sep sept oct nov dec "  # en
        "mme mlle m ex env p.ex c.-à-d "  # fr
        "sra srta dra ud uds ej p.ej "  # es
        "г гг т.е т.д т.п др им см ул"  # ru
    )
)
# Abbreviations that only precede a number: "No. 5", "art. 12", "p. 3".
_NUMBER_ABBREVIATIONS = frozenset(
    ["no", "nos", "art", "arts", "p", "pp", "vol", "fig", "figs", "núm", "pág", "стр", "рис", "ст"]
)
_INITIALS_RE = re.compile(r"(?:^|\s)(?:[^\W\d_]\.){2,}$")
_LAST_WORD_RE = re.compile(r"([^\s(\"'«“]+)$")
_FIRST_SPACE_RE = re.compile(r"\s")


_ABBREVIATION_TAIL = 48  # characters of a long sentence read back from its end


def _is_abbreviation(before: str, following: str) -> bool:
    if len(before) > _ABBREVIATION_TAIL:
        # Both patterns decide on the last word and the space before it, so reading from a space
        # near the end decides the same as reading the whole sentence, which cost a scan of it
        # per full stop. (Where the end holds no space, the whole is read.)
        cut = len(before) - _ABBREVIATION_TAIL
        space = _FIRST_SPACE_RE.search(before, cut)
        if space is not None:
            before = before[space.start() :]
    match = _LAST_WORD_RE.search(before)
    if not match:
        return False
    word = match.group(1).casefold().rstrip(".")
    if word in _ABBREVIATIONS:
        return True
    if word in _NUMBER_ABBREVIATIONS and following[:1].isdigit():
        return True
    return bool(_INITIALS_RE.search(before + "."))


def _split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY_RE.finditer(text, start, end):
        stop = match.end()
        mark = match.group(0)
        core = mark.rstrip("\"'”’»)]")
        if core == "." or set(core) <= {".", "…"}:
            following = text[stop:end].lstrip()
            if core == "." and _is_abbreviation(text[cursor : match.start()], following):
                continue
            if following and (following[0].islower() or following[0] in ",;:"):
                continue
        spans.append((cursor, stop))
        cursor = stop
    spans.append((cursor, end))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def passages(text: str, language: str | None = None) -> list[Passage]:
    """Sentences of each paragraph with offsets into ``text``; ``language`` is accepted for
    callers that know it (the rules are shared by the six languages)."""
    result: list[Passage] = []
    paragraph = 0
    cursor = 0
    bounds: list[tuple[int, int]] = []
    for match in _PARAGRAPH_RE.finditer(text):
        bounds.append((cursor, match.start()))
        cursor = match.end()
    bounds.append((cursor, len(text)))
    for p_start, p_end in bounds:
        sentences = _split_sentences(text, p_start, p_end)
        if not sentences:
            continue
        for index, (s, e) in enumerate(sentences):
            result.append(Passage(start=s, end=e, paragraph=paragraph, sentence=index))
        paragraph += 1
    return result


# --------------------------------------------------------------------------------------------
# Tokens, lemmas, stop words, terms
# --------------------------------------------------------------------------------------------

_MARKS = "\u00ad\u0300-\u036f\u0483-\u0489\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u200c\u200d"
# Words: letters/digits with combining marks; hyphenated compounds stay one token (e-government),
# apostrophes split (l'accès -> l, accès).
_WORD_RE = re.compile(rf"(?:[^\W_]|[{_MARKS}])+(?:[-\u2010\u2011](?:[^\W_]|[{_MARKS}])+)*")
# The same words where the text has no underscore, with one character class instead of an
# alternation per character: about 40 % faster, and most texts have no underscore.
_WORD_NO_UNDERSCORE_RE = re.compile(rf"[\w{_MARKS}]+(?:[-\u2010\u2011][\w{_MARKS}]+)*")


def _word_re(text: str) -> re.Pattern[str]:
    return _WORD_RE if "_" in text else _WORD_NO_UNDERSCORE_RE
_ALNUM_RE = re.compile(r"[^\W_]")
_SIMPLEMMA_LANGUAGES = frozenset({"ar", "en", "fr", "ru", "es"})


def stopwords(language: str) -> frozenset[str]:
    """Stop words of a language, in ``norm`` form (empty for "other")."""
    return _stopwords(language)


@cache
def _stopwords(language: str) -> frozenset[str]:
    from synthesis import io

    return frozenset(norm(word) for word in io.read_stopwords(language))


_ACRONYM_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,7}$")
_ACRONYM_PLURAL_RE = re.compile(r"^[A-Z][A-Z0-9]{1,7}s$")


def lemma(word: str, language: str) -> str:
    """Lemma of a word in matching form (simplemma for ar/en/fr/ru/es; the word otherwise)."""
    return _analyse(word, language)[1]


@lru_cache(maxsize=1 << 20)
def _analyse(surface: str, language: str) -> tuple[str, str, bool]:
    """(norm, lemma, stop) of a surface word; cached because simplemma is slow per call."""
    word_norm = norm(surface)
    stops = _stopwords(language)
    # Acronyms (AI, IT, ICTs, 5G) are content words, whatever a dictionary says about "it" or "ai".
    plain = unicodedata.normalize("NFKC", surface)
    if _ACRONYM_PLURAL_RE.match(plain):
        return word_norm, word_norm[:-1], False
    if _ACRONYM_RE.match(plain):
        return word_norm, word_norm, False
    word_lemma = _lemmatise(surface, word_norm, language)
    return word_norm, word_lemma, word_norm in stops or word_lemma in stops


def _lemmatise(surface: str, word_norm: str, language: str) -> str:
    if language not in _SIMPLEMMA_LANGUAGES or len(word_norm) <= 2 or word_norm.isdigit():
        return word_norm
    if "-" in word_norm:
        head, _, tail = word_norm.rpartition("-")
        return f"{head}-{_lemmatise(tail, tail, language)}" if tail else word_norm
    import simplemma

    if language == "ar":
        # The Arabic dictionary keeps hamza on alef: look up before unifying alef forms.
        key = _ARABIC_DIACRITICS_RE.sub(
            "", _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", surface))
        )
        result = simplemma.lemmatize(key, lang="ar")
        return norm(result) if result != key else word_norm
    result = simplemma.lemmatize(word_norm, lang=language)
    return norm(result) if result != word_norm else word_norm


def _term(word: str, language: str) -> str | None:
    """The term a surface word contributes, or None for a stop word."""
    _word_norm, word_lemma, stop = _analyse(word, language)
    return None if stop else word_lemma


# Domain terms that jieba's general dictionary breaks into meaningless pieces (区块 + 链,
# 物 + 联网, 可 + 持续). Compounds it splits into meaningful words (数字 + 鸿沟) stay split, so
# that a keyword matches either part.
ZH_DOMAIN_WORDS = (
    "区块链",
    "物联网",
    "云计算",
    "大数据",
    "攸关方",
    "利益攸关方",
    "可持续",
    "机器学习",
    "深度学习",
    "元宇宙",
)


def _zh_tokenizer():
    from synthesis import io

    tokenizer = io.jieba_tokenizer()
    if not getattr(tokenizer, "_consulta_words", False):
        for word in ZH_DOMAIN_WORDS:
            tokenizer.add_word(word, freq=max(tokenizer.FREQ.get(word, 0), 2000))
        tokenizer._consulta_words = True
    return tokenizer


def _zh_spans(text: str) -> list[tuple[int, int]]:
    """Word spans by jieba's dictionary (no HMM guessing: faster, and stable across texts)."""
    spans = []
    for word, start, end in _zh_tokenizer().tokenize(text, HMM=False):
        if _is_word(word):
            spans.append((start, end))
    return spans


def _zh_words(text: str) -> list[str]:
    return [w for w in _zh_tokenizer().lcut(text, HMM=False) if _is_word(w)]


@lru_cache(maxsize=1 << 16)
def _is_word(piece: str) -> bool:
    """A jieba piece with a letter or digit (not punctuation or space); pieces repeat endlessly."""
    return _ALNUM_RE.search(piece) is not None


def _spans(text: str, language: str) -> list[tuple[int, int]]:
    if language == "zh" or (language not in LANGUAGES and _HAN_RE.search(text)):
        return _zh_spans(text)
    return [m.span() for m in _word_re(text).finditer(text)]


def tokens(text: str, language: str) -> list[Token]:
    """Word tokens with offsets into ``text``, matching form, lemma and stop flag."""
    out = []
    for start, end in _spans(text, language):
        surface = text[start:end]
        word_norm, word_lemma, stop = _analyse(surface, language)
        out.append(
            Token(
                start=start, end=end, surface=surface, norm=word_norm, lemma=word_lemma, stop=stop
            )
        )
    return out


def terms(text: str, language: str) -> list[str]:
    """Lemmas of the non-stop tokens, in order: the analyser for vectorisers."""
    return list(_terms(text, language))


def terms_of(texts: Iterable[str], language: str) -> list[tuple[str, ...]]:
    """Terms of many texts, past the per-text cache: a large batch of distinct passages would only
    evict what that cache is for (codebook phrases). Repeats inside the batch are analysed once."""
    analyse = _terms.__wrapped__
    seen: dict[str, tuple[str, ...]] = {}
    out = []
    for text in texts:
        found = seen.get(text)
        if found is None:
            found = seen[text] = analyse(text, language)
        out.append(found)
    return out


@lru_cache(maxsize=1 << 16)
def _terms(text: str, language: str) -> tuple[str, ...]:
    if language == "zh" or (language not in LANGUAGES and _HAN_RE.search(text)):
        words = _zh_words(text)
    else:
        words = _word_re(text).findall(text)
    out = []
    analyse = _analyse
    for word in words:
        _word_norm, word_lemma, stop = analyse(word, language)
        if not stop:
            out.append(word_lemma)
    return tuple(out)
