import io as pyio
import json

import pytest

from synthesis import io
from synthesis.codebook import BUILTIN_CODEBOOKS, CodebookError
from synthesis.text import Document, Passage


def test_it_reads_a_codebook_file_and_writes_it_back_identically(mini_codebook_path, tmp_path):
    codebook = io.read_codebook(mini_codebook_path)
    assert codebook.code("skills").label_in("ru") == "Навыки"
    out = tmp_path / "copy.yaml"
    io.write_codebook(codebook, out)
    assert io.read_codebook(out) == codebook
    assert "Навыки" in out.read_text(encoding="utf-8")  # readable UTF-8, not escapes


@pytest.mark.parametrize("name", BUILTIN_CODEBOOKS)
def test_it_reads_built_in_codebooks_by_name(name):
    if name not in io.builtin_codebook_names():
        pytest.skip(f"built-in codebook {name} not written yet")
    codebook = io.read_codebook(name)
    assert codebook.id == name
    assert len(codebook.codes) >= 3


def test_it_names_an_unknown_codebook_and_lists_the_built_ins():
    with pytest.raises(CodebookError, match=r"no codebook 'nope.yaml'.*wsis-action-lines"):
        io.read_codebook("nope.yaml")


def test_it_names_the_file_when_a_codebook_is_invalid(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: bad\nversion: '1'\ncodes:\n  - id: a\n    label: {xx: A}\n", "utf-8")
    with pytest.raises(CodebookError, match=r"bad.yaml: codebook 'bad', code 'a'.*'xx'"):
        io.read_codebook(path)
    path.write_text("id: [unclosed\n", "utf-8")
    with pytest.raises(CodebookError, match="not valid YAML"):
        io.read_codebook(path)


def test_it_reads_jsonl_skipping_blank_lines_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('\ufeff{"id": "a"}\n\n   \n{"id": "b"}\n', "utf-8")
    assert list(io.read_jsonl(path)) == [{"id": "a"}, {"id": "b"}]
    assert list(io.read_jsonl(pyio.StringIO('{"id": 1}\n'))) == [{"id": 1}]
    assert list(io.read_jsonl(pyio.BytesIO('{"t": "é"}\n'.encode()))) == [{"t": "é"}]


def test_it_names_the_line_number_and_reason_of_a_bad_jsonl_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": "a"}\n\n{"id": "b",}\n', "utf-8")
    with pytest.raises(io.InputError, match=r"x.jsonl, line 3: invalid JSON"):
        list(io.read_jsonl(path))
    path.write_text('{"id": "a"}\n["b"]\n', "utf-8")
    with pytest.raises(io.InputError, match=r"line 2: expected a JSON object, got list"):
        list(io.read_jsonl(path))
    with pytest.raises(io.InputError, match="no such file"):
        list(io.read_jsonl(tmp_path / "missing.jsonl"))


def test_it_writes_canonical_jsonl_byte_for_byte():
    out = pyio.StringIO()
    io.write_jsonl([{"b": 1, "a": "العربية"}, {"z": [1, 2], "y": {"d": 0, "c": None}}], out)
    assert out.getvalue() == '{"a":"العربية","b":1}\n{"y":{"c":null,"d":0},"z":[1,2]}\n'


def test_it_writes_dataclasses_and_tuples_as_canonical_json():
    out = pyio.BytesIO()
    io.write_json({"p": Passage(0, 3, 0, 0), "s": frozenset({"b", "a"})}, out)
    assert out.getvalue().decode() == (
        '{"p":{"end":3,"paragraph":0,"sentence":0,"start":0},"s":["a","b"]}\n'
    )


def test_it_refuses_nan_in_json_output():
    with pytest.raises(ValueError):
        io.write_json({"x": float("nan")}, pyio.StringIO())


def test_it_reads_documents_with_meta_from_extra_fields(corpus_path):
    documents = io.read_documents(corpus_path)
    assert [d.id for d in documents] == ["d1", "d2", "d3", "d4", "d5", "d6"]
    assert documents[0] == Document(
        id="d1",
        text="Broadband is still too expensive in rural areas. We need affordable access.",
        language="en",
        meta={"question": "challenges", "region": "Africa", "stakeholder_type": "government"},
    )
    assert documents[2].language is None  # to be detected


def test_it_refuses_duplicate_ids_and_bad_documents_naming_the_line(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', "utf-8")
    with pytest.raises(io.InputError, match=r"line 2: duplicate id 'a' \(first seen on line 1\)"):
        io.read_documents(path)
    path.write_text('{"id": "a", "text": 3}\n', "utf-8")
    with pytest.raises(io.InputError, match=r"line 1 \(id 'a'\): field 'text' must be a string"):
        io.read_documents(path)
    path.write_text('{"id": "a", "text": "x", "language": "de"}\n', "utf-8")
    with pytest.raises(io.InputError, match=r"field 'language' must be one of"):
        io.read_documents(path)
    path.write_text('{"text": "x"}\n', "utf-8")
    with pytest.raises(io.InputError, match=r"line 1: missing field 'id'"):
        io.read_documents(path)


def test_it_reads_code_sets_from_gold_files_and_from_code_output(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "codes": ["C2", "C1"]}\n{"id": "b", "codes": []}\n', "utf-8")
    assert io.read_code_sets(gold) == {"a": ("C1", "C2"), "b": ()}
    pred = tmp_path / "pred.jsonl"
    pred.write_text(
        json.dumps({"id": "a", "language": "en", "codes": [{"code": "C1", "score": 0.9}]}) + "\n",
        "utf-8",
    )
    assert io.read_code_sets(pred) == {"a": ("C1",)}
    pred.write_text('{"id": "a", "codes": [3]}\n', "utf-8")
    with pytest.raises(io.InputError, match="line 1: field 'codes' must hold code ids"):
        io.read_code_sets(pred)


def test_it_reads_labelled_training_documents(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text('{"id": "a", "text": "Broadband", "codes": ["access"]}\n', "utf-8")
    documents, labels = io.read_labelled_documents(path)
    assert documents == [Document(id="a", text="Broadband")]
    assert labels == {"a": ("access",)}
    path.write_text('{"id": "a", "text": "Broadband"}\n', "utf-8")
    with pytest.raises(io.InputError, match="line 1: missing field 'codes'"):
        io.read_labelled_documents(path)


def test_it_reads_the_packaged_stop_words():
    assert "the" in io.read_stopwords("en")
    assert io.read_stopwords("xx") == frozenset()
