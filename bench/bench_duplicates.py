"""Duplicates on generated responses: recall of planted copies and campaigns, time, memory.

    .venv/bin/python bench/generate_responses.py 100000 --out bench/out/r100k.jsonl \
        --truth bench/out/r100k.truth.jsonl
    .venv/bin/python bench/bench_duplicates.py bench/out/r100k.jsonl bench/out/r100k.truth.jsonl

A planted exact or near copy counts as found when it shares a group with its original; a
campaign member counts as found when it sits in the campaign group holding most of its campaign.
Groups mixing unrelated texts are counted too ("impure"), with the caveat that phrase-bank
texts from the generator are sometimes near copies of each other by chance.
"""

from __future__ import annotations

import argparse
import collections
import json
import resource
import sys
import time

from synthesis.duplicates import DuplicateFinder
from synthesis.text import Document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("truth")
    args = parser.parse_args(argv)
    with open(args.input, encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    docs = [Document(r["id"], r["text"], r.get("language")) for r in records]
    texts = {r["id"]: r for r in records}
    with open(args.truth, encoding="utf-8") as fh:
        truth = {r["id"]: r for r in map(json.loads, fh)}
    t0 = time.perf_counter()
    finder = DuplicateFinder(seed=0).fit(docs)
    wall = time.perf_counter() - t0
    groups_of = collections.defaultdict(set)
    for k, g in enumerate(finder.groups_):
        for m in g.members:
            groups_of[m].add(k)
    found, total = collections.Counter(), collections.Counter()
    campaigns = collections.defaultdict(list)
    root = {}
    for rid, r in truth.items():
        if r["planted"] == "campaign":
            # campaigns planted with the same template text are one campaign
            key = "campaign:" + texts[rid]["language"] + texts[rid]["text"][:60]
            campaigns[key].append(rid)
            root[rid] = key
            continue
        root[rid] = r["of"]
        kind = r["planted"]
        total[kind] += 1
        found[kind] += bool(groups_of[rid] & groups_of[r["of"]])
    in_campaign = 0
    for members in campaigns.values():
        counts = collections.Counter(
            k for m in members for k in groups_of[m] if finder.groups_[k].kind == "campaign"
        )
        in_campaign += counts.most_common(1)[0][1] if counts else 0
    impure = [
        g
        for g in finder.groups_
        if g.kind != "exact" and len({root.get(m, m) for m in g.members}) > 1
    ]
    out = {
        "n": len(docs),
        "wall_s": round(wall, 2),
        "per_s": round(len(docs) / wall),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "summary": finder.summary(),
        "recall": {k: f"{found[k]}/{total[k]}" for k in sorted(total)},
        "campaign_members_found": f"{in_campaign}/{sum(map(len, campaigns.values()))}",
        "planted_campaigns": len(campaigns),
        "impure_groups": len(impure),
        "docs_in_impure_groups": sum(len(g.members) for g in impure),
    }
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
