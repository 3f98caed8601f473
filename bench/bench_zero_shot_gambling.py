"""Zero-shot coding on gambling_xs: gold themes become a codebook, responses are coded against it.

    .venv/bin/python bench/bench_zero_shot_gambling.py [--data /work/shared/benchmarks/gambling_xs]
        [--sample 20] [--json bench/out/zero_shot_gambling.json]

For each question the gold themes (``themes.json``: topic_id, topic_label, topic_description) are
turned, in memory, into a codebook with English labels and descriptions only (no keywords); the
two catch-all themes ("None of the Above", "No Reason Given") are left out because they are
instructions to a human coder, not topics (the gold mapping never uses them). The 100 responses
are coded with ``ZeroShotCoder`` and compared with the gold ``labels`` of ``mapping.jsonl``:
sample-based, micro and macro F1.

Two settings: thresholds calibrated on the corpus alone (no labels at all), and thresholds set
from a labelled sample of ``--sample`` responses (the first ones by id), scored on the others.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from synthesis.codebook import Codebook
from synthesis.coding import ZeroShotCoder
from synthesis.evaluate import multilabel_scores
from synthesis.text import Document

DEFAULT_DATA = Path("/work/shared/benchmarks/gambling_xs")
QUESTIONS = ("question_part_1", "question_part_2")
CATCH_ALL = ("none of the above", "no reason given")


def load(data: Path, question: str):
    documents = []
    with open(data / "inputs" / question / "responses.jsonl", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            documents.append(
                Document(id=str(record["response_id"]), text=record["response"], language="en")
            )
    outputs = data / "outputs" / "mapping" / "2025-07-22" / question
    themes = json.loads((outputs / "themes.json").read_text(encoding="utf-8"))
    codes = [
        {
            "id": t["topic_id"],
            "label": {"en": t["topic_label"]},
            "description": {"en": t["topic_description"]},
        }
        for t in themes
        if t["topic_label"].strip().casefold() not in CATCH_ALL
    ]
    codebook = Codebook.from_dict(
        {"id": f"gambling-{question}", "version": "1", "title": {"en": question}, "codes": codes}
    )
    gold = {}
    with open(outputs / "mapping.jsonl", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            gold[str(record["response_id"])] = list(record["labels"])
    return codebook, documents, gold


def evaluate(codebook, documents, gold, labels=None, held_out=None) -> dict:
    start = time.perf_counter()
    coder = ZeroShotCoder(codebook).fit(documents, labels=labels)
    coded = coder.code(documents)
    seconds = time.perf_counter() - start
    predicted = {c.id: [a.code for a in c.codes] for c in coded}
    scored_ids = held_out if held_out is not None else sorted(gold)
    scores = multilabel_scores({i: gold[i] for i in scored_ids}, predicted)
    n_pred = sum(len(predicted.get(i, ())) for i in scored_ids) / len(scored_ids)
    n_gold = sum(len(gold[i]) for i in scored_ids) / len(scored_ids)
    return {
        "n": scores["n"],
        "sample_f1": scores["sample_f1"],
        "micro_f1": scores["micro"]["f1"],
        "macro_f1": scores["macro"]["f1"],
        "micro_precision": scores["micro"]["precision"],
        "micro_recall": scores["micro"]["recall"],
        "codes_per_response": round(n_pred, 2),
        "gold_codes_per_response": round(n_gold, 2),
        "uncoded_share": round(
            sum(1 for i in scored_ids if not predicted.get(i)) / len(scored_ids), 3
        ),
        "threshold": float(coder.thresholds_[0]),
        "threshold_source": coder.threshold_source_,
        "seconds": round(seconds, 2),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    results = []
    print(
        "| question | setting | n | sample F1 | micro F1 | macro F1 | micro P / R "
        "| codes per response (gold) | uncoded | threshold | s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for question in QUESTIONS:
        codebook, documents, gold = load(args.data, question)
        ids = sorted(gold, key=lambda i: (len(i), i))
        sample = set(ids[: args.sample])
        runs = [("corpus only", evaluate(codebook, documents, gold))]
        if args.sample:
            labels = {i: gold[i] for i in sample}
            held = [i for i in ids if i not in sample]
            runs.append(
                (
                    f"corpus only, the {len(held)} others",
                    evaluate(codebook, documents, gold, None, held),
                )
            )
            runs.append(
                (f"{args.sample} labelled", evaluate(codebook, documents, gold, labels, held))
            )
        for setting, r in runs:
            results.append({"question": question, "setting": setting, **r})
            print(
                f"| {question} | {setting} | {r['n']} | {r['sample_f1']:.3f} | "
                f"{r['micro_f1']:.3f} | {r['macro_f1']:.3f} | "
                f"{r['micro_precision']:.2f} / {r['micro_recall']:.2f} | "
                f"{r['codes_per_response']:.2f} ({r['gold_codes_per_response']:.2f}) | "
                f"{r['uncoded_share']:.2f} | {r['threshold']:.2f} | {r['seconds']:.2f} |",
                flush=True,
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
