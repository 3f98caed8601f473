"""Theme discovery on gambling_xs against its gold themes (two questions, 100 responses each).

    .venv/bin/python bench/bench_discovery_gambling.py [--data /work/shared/benchmarks/gambling_xs]
        [--repeat 3] [--json bench/out/discovery_gambling.json]

Measures per question: best-match F1 (each gold theme against its best discovered theme, by
member sets; mean over gold themes, gold labels multi-label), NMI and ARI against the first gold
label of each response, the unassigned share, the number of themes and the wall time (median of
--repeat runs). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from synthesis.discovery import ThemeDiscoverer
from synthesis.text import Document

DEFAULT_DATA = Path("/work/shared/benchmarks/gambling_xs")
QUESTIONS = ("question_part_1", "question_part_2")


def load(data: Path, question: str):
    docs = []
    with open(data / "inputs" / question / "responses.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            docs.append(Document(id=str(r["response_id"]), text=r["response"], language="en"))
    gold = {}
    mapping = data / "outputs" / "mapping" / "2025-07-22" / question / "mapping.jsonl"
    with open(mapping, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            gold[str(r["response_id"])] = list(r["labels"])
    return docs, gold


def best_match_f1(gold: dict[str, list[str]], found: dict[str, set[str]]) -> float:
    """Mean over gold themes of the best F1 against any discovered theme (member sets)."""
    gold_sets: dict[str, set[str]] = {}
    for doc_id, labels in gold.items():
        for label in labels:
            gold_sets.setdefault(label, set()).add(doc_id)
    scores = []
    for members in gold_sets.values():
        best = 0.0
        for theme in found.values():
            inter = len(members & theme)
            if inter:
                best = max(best, 2 * inter / (len(members) + len(theme)))
        scores.append(best)
    return sum(scores) / len(scores) if scores else 0.0


def evaluate(primary: dict[str, str | None], found: dict[str, set[str]], gold) -> dict:
    ids = sorted(gold)
    g = [gold[i][0] for i in ids]
    # unassigned texts form one extra "outlier" cluster, as BERTopic's -1 topic does
    p = [primary.get(i) or "_unassigned" for i in ids]
    return {
        "best_match_f1": round(best_match_f1(gold, found), 4),
        "nmi": round(normalized_mutual_info_score(g, p), 4),
        "ari": round(adjusted_rand_score(g, p), 4),
        "unassigned_share": round(sum(1 for x in p if x == "_unassigned") / len(ids), 4),
        "themes": len(found),
        "gold_themes": len({x for labels in gold.values() for x in labels}),
    }


def run_ours(docs, seed: int = 0, **params):
    t0 = time.perf_counter()
    disc = ThemeDiscoverer(seed=seed, **params).fit(docs)
    wall = time.perf_counter() - t0
    result = disc.result_
    found = {t.id: set(t.members) for t in result.themes}
    return disc.theme_of(), found, wall, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None)
    parser.add_argument("--show", action="store_true", help="print the themes found")
    args = parser.parse_args(argv)
    rows = []
    for question in QUESTIONS:
        docs, gold = load(args.data, question)
        walls = []
        for _ in range(args.repeat):
            primary, found, wall, result = run_ours(docs, seed=args.seed)
            walls.append(wall)
        metrics = evaluate(primary, found, gold)
        metrics.update(question=question, wall_s=round(statistics.median(walls), 3))
        rows.append(metrics)
        if args.show:
            for t in result.themes:
                print(f"{question} {t.id} ({t.size}) {t.label} | {', '.join(t.keywords[:6])}")
    keys = [
        "question",
        "themes",
        "gold_themes",
        "best_match_f1",
        "nmi",
        "ari",
        "unassigned_share",
        "wall_s",
    ]
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join(str(r[k]) for k in keys) + " |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
