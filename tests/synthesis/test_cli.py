import json

import pytest

from synthesis.cli import main


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def test_it_evaluates_predictions_against_gold(tmp_path, capsys):
    gold = write_jsonl(
        tmp_path / "gold.jsonl", [{"id": "a", "codes": ["C1"]}, {"id": "b", "codes": []}]
    )
    pred = write_jsonl(
        tmp_path / "pred.jsonl",
        [{"id": "a", "language": "en", "codes": [{"code": "C1", "score": 0.8, "spans": []}]}],
    )
    status, out, err = run(capsys, "evaluate", "--gold", gold, "--pred", pred)
    assert status == 0, err
    metrics = json.loads(out)
    assert metrics["sample_f1"] == 1.0 and metrics["n"] == 2
    assert metrics["per_code"]["C1"]["support"] == 1


def test_it_writes_byte_identical_output_for_the_same_input(tmp_path, capsys):
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": "a", "codes": ["C1", "C2"]}])
    pred = write_jsonl(tmp_path / "pred.jsonl", [{"id": "a", "codes": ["C2"]}])
    first = run(capsys, "evaluate", "--gold", gold, "--pred", pred)[1]
    second = run(capsys, "evaluate", "--gold", gold, "--pred", pred)[1]
    assert first == second and first.endswith("}\n") and "\n" not in first[:-1]


def test_it_reports_a_bad_input_line_with_exit_status_2_and_no_traceback(tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "codes": []}\n{"id": "b", "codes": [}\n', "utf-8")
    status, out, err = run(capsys, "evaluate", "--gold", gold, "--pred", gold)
    assert status == 2
    assert out == ""
    assert "gold.jsonl, line 2: invalid JSON" in err
    assert "Traceback" not in err


def test_it_reports_a_missing_file_with_exit_status_2(tmp_path, capsys):
    status, _out, err = run(capsys, "duplicates", tmp_path / "nope.jsonl")
    assert status == 2
    assert "nope.jsonl: no such file" in err and "Traceback" not in err


def test_it_reports_an_unknown_codebook_with_exit_status_2(corpus_path, capsys):
    status, _out, err = run(capsys, "code", "--codebook", "no-such-codebook", corpus_path)
    assert status == 2
    assert "no codebook 'no-such-codebook'" in err


def test_it_rejects_a_missing_command_like_any_unix_tool(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "usage: synthesis" in capsys.readouterr().err


def test_it_finds_exact_duplicates(tmp_path, capsys):
    pytest.importorskip("synthesis.duplicates")
    text = "Affordable broadband for every rural school and health centre, please."
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "b", "text": text},
            {"id": "a", "text": text},
            {"id": "c", "text": "Une réponse tout à fait différente sur la cybersécurité."},
        ],
    )
    status, out, err = run(capsys, "duplicates", path)
    assert status == 0, err
    groups = json.loads(out)["groups"]
    assert {"kind": "exact", "members": ["a", "b"], "representative": "a"} in groups
    assert all(set(g) == {"kind", "members", "representative"} for g in groups)


def test_it_codes_texts_against_a_codebook_file(corpus_path, mini_codebook_path, capsys):
    pytest.importorskip("synthesis.coding")
    status, out, err = run(capsys, "code", "--codebook", mini_codebook_path, corpus_path)
    assert status == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["id"] for line in lines] == ["d1", "d2", "d3", "d4", "d5", "d6"]
    texts = {
        r["id"]: r["text"] for r in map(json.loads, corpus_path.read_text("utf-8").splitlines())
    }
    for line in lines:
        assert {"id", "language", "codes"} <= set(line)
        for code in line["codes"]:
            assert {"code", "score", "spans"} <= set(code)
            for start, end in code["spans"]:
                assert texts[line["id"]][start:end]
    assert lines[2]["language"] == "es"  # detected: the input had no language
    status, parallel, err = run(capsys, "code", "--jobs", 2, "--codebook", mini_codebook_path, corpus_path)
    assert status == 0 and parallel == out, "two processes write the same bytes"
    status, _, err = run(capsys, "code", "--jobs", 0, "--codebook", mini_codebook_path, corpus_path)
    assert status == 2 and "--jobs" in err


def test_it_trains_a_model_and_codes_with_it(tmp_path, mini_codebook_path, capsys):
    pytest.importorskip("synthesis.coding")
    from synthesis import io

    if not hasattr(io, "save_model"):
        pytest.skip("model persistence not available yet")
    examples = [
        ("Broadband is too expensive", ["access"]),
        ("We need internet access in villages", ["access"]),
        ("Connectivity for rural schools", ["access"]),
        ("Fast broadband for clinics", ["access"]),
        ("Affordable internet access now", ["access"]),
        ("Teachers need digital skills training", ["skills"]),
        ("Training in coding for girls", ["skills"]),
        ("Digital literacy courses for adults", ["skills"]),
        ("Skills programmes for young people", ["skills"]),
        ("More training on digital tools", ["skills"]),
    ]
    labels = write_jsonl(
        tmp_path / "labels.jsonl",
        [
            {"id": f"t{i}", "text": t, "codes": c, "language": "en"}
            for i, (t, c) in enumerate(examples)
        ],
    )
    model = tmp_path / "model"
    status, out, err = run(
        capsys,
        "train",
        "--codebook",
        mini_codebook_path,
        "--labels",
        labels,
        "--out",
        model,
        "--cv-folds",
        2,
    )
    assert status == 0, err
    assert json.loads(out)["codebook"] == "mini"
    new = write_jsonl(
        tmp_path / "new.jsonl", [{"id": "n1", "text": "Broadband access", "language": "en"}]
    )
    status, out, err = run(capsys, "code", "--codebook", mini_codebook_path, "--model", model, new)
    assert status == 0, err
    assert json.loads(out)["id"] == "n1"


def test_it_refuses_training_labels_outside_the_codebook(tmp_path, mini_codebook_path, capsys):
    pytest.importorskip("synthesis.coding")
    from synthesis import io

    if not hasattr(io, "save_model"):
        pytest.skip("model persistence not available yet")
    labels = write_jsonl(tmp_path / "labels.jsonl", [{"id": "x", "text": "t", "codes": ["nope"]}])
    status, _out, err = run(
        capsys,
        "train",
        "--codebook",
        mini_codebook_path,
        "--labels",
        labels,
        "--out",
        tmp_path / "m",
    )
    assert status == 2
    assert "document 'x' has code(s) not in codebook 'mini': nope" in err


def test_it_discovers_themes_with_the_contract_fields(tmp_path, capsys):
    pytest.importorskip("synthesis.discovery")
    texts = [
        "Broadband prices are too high for families",
        "Internet prices remain too high in rural areas",
        "High broadband prices exclude poor families",
        "The price of mobile internet is too high",
        "Teachers need digital skills training",
        "Digital skills training for teachers is missing",
        "Train teachers in digital skills",
        "More digital skills courses for teachers",
    ]
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [{"id": f"r{i}", "text": t, "language": "en"} for i, t in enumerate(texts)],
    )
    status, out, err = run(capsys, "discover", "--n-themes", 2, path)
    assert status == 0, err
    result = json.loads(out)
    assert set(result) >= {"themes", "unassigned"}
    for theme in result["themes"]:
        assert {"id", "label", "keywords", "size", "members", "quotes"} <= set(theme)
        for quote in theme["quotes"]:
            start, end = quote["span"]
            assert texts[int(quote["id"][1:])][start:end]
    assert run(capsys, "discover", "--n-themes", 2, path)[1] == out  # repeatable


def test_it_refuses_a_non_numeric_theme_count(tmp_path, capsys):
    pytest.importorskip("synthesis.discovery")
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "x"}])
    status, _out, err = run(capsys, "discover", "--n-themes", "many", path)
    assert status == 2 and "--n-themes must be 'auto' or a number" in err
