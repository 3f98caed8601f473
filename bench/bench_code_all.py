"""Coding alone, warm: the five built-in codebooks through ``code_all``, wall time and the CPU of
this process and its workers together.

The scale bench's coding stage also counts fitting the coders and the first batch's loading of the
lemmatisers in every process; this one codes a small batch first, then times ``--parts`` calls of
``code_all`` (as a streaming pipeline makes them). Run it alternately on two trees
(``PYTHONPATH=<worktree>/src``) to compare them on this noisy machine:

    .venv/bin/python bench/bench_code_all.py bench/out/r100k.jsonl --jobs 2 --parts 2
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import BUILTIN, load  # noqa: E402


def cpu_seconds() -> float:
    """This process and its finished children (code_all's workers end with each call)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="JSONL from generate_responses.py")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--parts", type=int, default=2, help="code_all calls the input is cut into")
    args = parser.parse_args(argv)

    from synthesis import io
    from synthesis.coding import ZeroShotCoder, code_all
    from synthesis.text import Document

    ids, texts, metas, languages = load(args.input)
    documents = [
        Document(id=i, text=t, language=lang, meta=m)
        for i, t, lang, m in zip(ids, texts, languages, metas, strict=True)
    ]
    coders = {name: ZeroShotCoder(io.read_codebook(name)).fit() for name in BUILTIN}
    code_all(coders, documents[:500])  # loads simplemma's dictionaries and jieba's before timing
    gc.freeze()
    n = len(documents)
    size = -(-n // args.parts)
    cpu, start = cpu_seconds(), time.perf_counter()
    for lo in range(0, n, size):
        code_all(coders, documents[lo : lo + size], n_jobs=args.jobs)
    wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    print(
        json.dumps(
            {
                "n": n,
                "jobs": args.jobs,
                "parts": args.parts,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "responses_per_s": round(n / wall),
                "codings_per_s": round(n * len(BUILTIN) / wall),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
