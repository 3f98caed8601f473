import pytest

from synthesis.codebook import BUILTIN_CODEBOOKS, Code, Codebook, CodebookError


def test_it_builds_a_codebook_from_a_mapping_and_round_trips(mini_codebook_dict):
    codebook = Codebook.from_dict(mini_codebook_dict)
    assert codebook.id == "mini"
    assert codebook.version == "1.0"
    assert codebook.code_ids == ("access", "skills", "security")
    assert codebook.code("access").keywords["fr"] == ("accès à internet", "haut débit")
    assert codebook.code("skills").examples == ("Teach coding in every school.",)
    assert Codebook.from_dict(codebook.to_dict()) == codebook


def test_it_falls_back_to_english_then_any_language_for_labels(mini_codebook_dict):
    codebook = Codebook.from_dict(mini_codebook_dict)
    assert codebook.code("access").label_in("es") == "Acceso"
    assert codebook.code("access").label_in("zh") == "Access"
    assert codebook.code("security").label_in("fr") == "الأمن"  # no English: first in UN order
    assert codebook.title_in("ru") == "Mini codebook"
    assert Code(id="x", label={}).label_in("en") == "x"


def test_it_refuses_a_duplicate_code_id_naming_it(mini_codebook_dict):
    mini_codebook_dict["codes"].append(dict(mini_codebook_dict["codes"][0]))
    with pytest.raises(CodebookError, match=r"duplicate code id 'access' \(codes #1 and #4\)"):
        Codebook.from_dict(mini_codebook_dict)


def test_it_refuses_a_code_without_id_naming_its_position(mini_codebook_dict):
    del mini_codebook_dict["codes"][1]["id"]
    with pytest.raises(CodebookError, match=r"code #2: missing field 'id'"):
        Codebook.from_dict(mini_codebook_dict)


def test_it_refuses_a_language_outside_the_six_naming_code_and_field(mini_codebook_dict):
    mini_codebook_dict["codes"][0]["keywords"]["de"] = ["Breitband"]
    with pytest.raises(CodebookError, match=r"code 'access': field 'keywords'.*'de'"):
        Codebook.from_dict(mini_codebook_dict)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["codes"][0].__setitem__("keywords", {"en": "broadband"}),
            r"code 'access': field 'keywords' for 'en' must be a list",
        ),
        (
            lambda d: d["codes"][0].__setitem__("label", "Access"),
            r"code 'access': field 'label' must map languages to text",
        ),
        (
            lambda d: d["codes"][2]["keywords"].__setitem__("zh", [42]),
            r"code 'security': field 'keywords' for 'zh' must contain only strings",
        ),
        (lambda d: d.__setitem__("version", 1.0), r"field 'version' must be a string"),
        (lambda d: d.__setitem__("codes", []), r"'codes' must be a non-empty list"),
        (lambda d: d.pop("id"), r"codebook: missing field 'id'"),
        (lambda d: d["codes"][1].__setitem__("keyword", {}), r"code 'skills': unknown field"),
        (lambda d: d["codes"][1].pop("label"), r"code 'skills': missing field 'label'"),
    ],
)
def test_it_refuses_wrong_types_with_a_clear_message(mini_codebook_dict, change, message):
    change(mini_codebook_dict)
    with pytest.raises(CodebookError, match=message):
        Codebook.from_dict(mini_codebook_dict)


def test_it_accepts_an_integer_version_but_not_an_ambiguous_float(mini_codebook_dict):
    mini_codebook_dict["version"] = 2
    assert Codebook.from_dict(mini_codebook_dict).version == "2"
    mini_codebook_dict["version"] = 1.10
    with pytest.raises(CodebookError, match="quote it in YAML"):
        Codebook.from_dict(mini_codebook_dict)


def test_it_refuses_something_that_is_not_a_mapping():
    with pytest.raises(CodebookError, match="must be a mapping"):
        Codebook.from_dict(["not", "a", "codebook"])


def test_it_says_which_code_is_missing(mini_codebook_dict):
    codebook = Codebook.from_dict(mini_codebook_dict)
    assert "skills" in codebook and "nope" not in codebook
    with pytest.raises(KeyError, match="no code 'nope'"):
        codebook.code("nope")


def test_it_lists_the_built_in_codebooks():
    assert BUILTIN_CODEBOOKS == ("wsis-action-lines", "sdgs", "trends", "challenges", "kinds")
