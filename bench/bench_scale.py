"""End to end at scale: language id, five built-in codebooks, duplicates, discovery, aggregation.

    .venv/bin/python bench/generate_responses.py 100000 --out bench/out/r100k.jsonl
    .venv/bin/python bench/bench_scale.py bench/out/r100k.jsonl [--json bench/out/scale_100k.json]

Goals (2-core machine): 1,000,000 short responses in < 10 minutes with peak memory < 4 GB, and
coding alone >= 5,000 responses/s. Prints one line per stage (wall seconds, responses/s, peak
resident memory so far from getrusage) and a JSON summary. A stage whose module is missing is
reported as missing, and the others still run.

The given languages are dropped: language identification runs on every text (unless the
stage is skipped with ``--skip language``; then the file's languages are used). Coding runs in
batches (``--batch``) and keeps only the code ids per response, as a streaming pipeline would.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time

from synthesis.text import Document

BUILTIN = ("wsis-action-lines", "sdgs", "trends", "challenges", "kinds")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def peak_children_mb() -> float:
    """Largest resident size of a finished child process (the coding workers with ``--jobs``). Forked
    children share the parent's pages until written, so parent + child overstates the total."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def load(path: str) -> tuple[list[str], list[str], list[dict], list[str]]:
    """ids, texts, metas (strings interned: a million copies of "civil_society" add up), and
    the languages given in the file (used only when language identification is skipped)."""
    ids, texts, metas, given = [], [], [], []
    intern = sys.intern
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            ids.append(r["id"])
            texts.append(r["text"])
            metas.append({intern(k): intern(str(v)) for k, v in (r.get("meta") or {}).items()})
            given.append(intern(r.get("language") or "other"))
    return ids, texts, metas, given


class Stage:
    def __init__(self, report: dict, name: str, n: int) -> None:
        self.report, self.name, self.n = report, name, n

    def __enter__(self):
        gc.collect()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, tb):
        wall = time.perf_counter() - self.t0
        entry = {
            "wall_s": round(wall, 2),
            "per_s": round(self.n / wall) if wall else None,
            "peak_mb": round(peak_mb()),
            "peak_child_mb": round(peak_children_mb()),
        }
        if exc_type is not None:
            if issubclass(exc_type, (ImportError, AttributeError)):
                entry = {"missing": f"{exc_type.__name__}: {exc}"}
            else:
                entry["error"] = f"{exc_type.__name__}: {exc}"
        self.report["stages"][self.name] = entry
        print(f"{self.name:<22} {json.dumps(entry, sort_keys=True)}", flush=True)
        return exc_type is not None and issubclass(exc_type, (ImportError, AttributeError))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--skip", default="", help="comma-separated stages to skip")
    parser.add_argument("--jobs", type=int, default=1, help="processes for coding (code_all's n_jobs)")
    parser.add_argument("--no-freeze", action="store_true", help="leave the loaded documents to gc")
    parser.add_argument(
        "--separate",
        action="store_true",
        help="code each codebook on its own (coder.code) instead of synthesis.coding.code_all",
    )
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    report: dict = {
        "input": args.input,
        "stages": {},
        "jobs": args.jobs,
        "separate": args.separate,
        "gc_freeze": not args.no_freeze,
    }
    t_start = time.perf_counter()

    with Stage(report, "load", 0):
        ids, texts, metas, languages = load(args.input)
    n = len(ids)
    report["n"] = n
    print(f"{n} responses", flush=True)

    if "language" not in skip:
        with Stage(report, "language_id", n):
            from synthesis.text import detect_languages

            languages = [sys.intern(x) for x in detect_languages(texts)]
    documents = [
        Document(id=i, text=t, language=lang, meta=m)
        for i, t, lang, m in zip(ids, texts, languages, metas, strict=True)
    ]
    del metas
    if not args.no_freeze:
        # The documents live to the end: keep the cyclic garbage collector from walking them again
        # and again (at a million responses it cost about a quarter of the aggregation stage).
        gc.freeze()

    coded: dict[str, list[tuple[str, ...]]] = {}
    if "coding" not in skip:
        with Stage(report, "coding_all_five", n * len(BUILTIN)) as stage:
            from synthesis import io
            from synthesis.coding import ZeroShotCoder, code_all

            coders = {name: ZeroShotCoder(io.read_codebook(name)).fit() for name in BUILTIN}
            per_book = dict.fromkeys(BUILTIN, 0.0)
            same: dict[tuple[str, ...], tuple[str, ...]] = {}
            for name in BUILTIN:
                coded[name] = []
            for lo in range(0, n, args.batch):
                part = documents[lo : lo + args.batch]
                if args.separate:  # the old way: each codebook splits and lemmatises every passage again
                    outs = {}
                    for name, coder in coders.items():
                        t0 = time.perf_counter()
                        outs[name] = coder.code(part)
                        per_book[name] += time.perf_counter() - t0
                else:
                    outs = code_all(coders, part, n_jobs=args.jobs)
                for name, out in outs.items():
                    # One tuple object per distinct set of codes (a few hundred), not one per response.
                    coded[name].extend(
                        same.setdefault(codes, codes) for codes in (tuple(a.code for a in d.codes) for d in out)
                    )
                del outs
            report["coding_per_codebook"] = {
                name: {"wall_s": round(w, 2), "per_s": round(n / w) if w else None}
                for name, w in per_book.items()
                if w
            }
            for name, entry in report["coding_per_codebook"].items():
                print(f"  {name:<20} {json.dumps(entry)}", flush=True)
            stage.n = n * len(BUILTIN)

    if "duplicates" not in skip:
        with Stage(report, "duplicates", n):
            from synthesis.duplicates import DuplicateFinder

            finder = DuplicateFinder(seed=0).fit(documents)
            report["duplicates"] = finder.summary()
            del finder

    if "discovery" not in skip:
        with Stage(report, "discovery", n):
            from synthesis.discovery import ThemeDiscoverer

            result = ThemeDiscoverer(seed=0).fit(documents).result_
            lang_of = dict(zip(ids, languages, strict=True))
            mixed = 0  # themes where no language has 80 % of the members
            for theme in result.themes:
                counts: dict[str, int] = {}
                for m in theme.members:
                    counts[lang_of[m]] = counts.get(lang_of[m], 0) + 1
                mixed += max(counts.values()) < 0.8 * theme.size
            report["discovery"] = {
                "themes": len(result.themes),
                "multilingual_themes": mixed,
                "unassigned_share": result.unassigned_share,
                "largest": [(t.label, t.size) for t in result.themes[:5]],
            }
            del result

    if "aggregation" not in skip and coded:
        with Stage(report, "aggregation", n):
            from synthesis.aggregate import aggregate_many

            # Generators: aggregation reads each coding once, so five million objects need not
            # exist at the same time (building them as lists cost about 0.5 GB at a million).
            codings = {
                name: ({"id": i, "codes": c} for i, c in zip(ids, sets, strict=True))
                for name, sets in coded.items()
            }
            for name, agg in aggregate_many(codings, documents).items():
                report.setdefault("aggregation", {})[name] = {
                    "uncoded": agg.uncoded,
                    "top": [(c.code, c.share) for c in agg.codes[:3]],
                }
            del codings

    total = time.perf_counter() - t_start
    report["total_wall_s"] = round(total, 1)
    report["throughput_per_s"] = round(n / total) if total else None
    report["peak_mb"] = round(peak_mb())
    report["peak_child_mb"] = round(peak_children_mb())
    print(json.dumps({k: report[k] for k in ("n", "total_wall_s", "throughput_per_s", "peak_mb", "peak_child_mb")}))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=1, sort_keys=True, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
