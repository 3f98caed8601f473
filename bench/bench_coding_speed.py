"""Coding throughput: short synthetic responses in the six UN languages against built-in codebooks.

    .venv/bin/python bench/bench_coding_speed.py [--n 50000] [--repeat 3]
        [--codebooks wsis-action-lines,sdgs,trends,challenges,kinds] [--seed 0]

Responses are generated here (no external data): one or two short sentences built from everyday
filler words of each language with, in about two responses out of three, a keyword of the codebook
dropped in (so that spans and explanations are produced, as in real use), plus a number that
makes nearly every response unique (no cache helps). The language is given, as after the
pipeline's batch language identification. Times
``ZeroShotCoder.fit`` (corpus calibration on one set) and ``code`` on a second, fresh set; reports
the median of ``--repeat`` runs: wall time and this process's CPU time (on a shared, busy machine
the CPU figure is the one that says what 2 free cores would do). Goal: >= 5,000 responses/s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

from synthesis import io
from synthesis.coding import ZeroShotCoder
from synthesis.text import LANGUAGES, Document

# Original filler phrases (not from any data set): openings, connectors and generic content.
FILLER = {
    "en": (
        [
            "We believe",
            "In our view",
            "Our community needs",
            "It is important that",
            "The main issue is",
            "We would like to see",
            "Going forward",
        ],
        [
            "more support",
            "better policies",
            "people in small towns",
            "the next ten years",
            "local organisations",
            "public services",
            "young people and women",
            "clear rules",
        ],
    ),
    "fr": (
        [
            "Nous pensons que",
            "À notre avis",
            "Notre communauté a besoin de",
            "Il est important que",
            "Le principal problème est",
            "Nous souhaitons",
        ],
        [
            "plus de soutien",
            "de meilleures politiques",
            "les petites villes",
            "les dix prochaines années",
            "les organisations locales",
            "des règles claires",
        ],
    ),
    "es": (
        [
            "Creemos que",
            "En nuestra opinión",
            "Nuestra comunidad necesita",
            "Es importante que",
            "El problema principal es",
            "Nos gustaría ver",
        ],
        [
            "más apoyo",
            "mejores políticas",
            "los pueblos pequeños",
            "los próximos diez años",
            "las organizaciones locales",
            "reglas claras",
        ],
    ),
    "ru": (
        [
            "Мы считаем, что",
            "По нашему мнению",
            "Нашему сообществу нужна",
            "Важно, чтобы",
            "Главная проблема в том, что",
            "Мы хотели бы видеть",
        ],
        [
            "больше поддержки",
            "лучшая политика",
            "небольшие города",
            "ближайшие десять лет",
            "местные организации",
            "понятные правила",
        ],
    ),
    "ar": (
        [
            "نعتقد أن",
            "في رأينا",
            "يحتاج مجتمعنا إلى",
            "من المهم أن",
            "المشكلة الرئيسية هي",
            "نود أن نرى",
        ],
        [
            "مزيد من الدعم",
            "سياسات أفضل",
            "المدن الصغيرة",
            "السنوات العشر القادمة",
            "المنظمات المحلية",
            "قواعد واضحة",
        ],
    ),
    "zh": (
        ["我们认为", "在我们看来", "我们的社区需要", "重要的是", "主要问题是", "我们希望看到"],
        ["更多支持", "更好的政策", "小城镇", "未来十年", "地方组织", "明确的规则"],
    ),
}
END = {"zh": "。", "ar": ".", "en": ".", "fr": ".", "es": ".", "ru": "."}


def generate(codebooks, n: int, seed: int) -> list[Document]:
    rng = random.Random(seed)
    keywords = {
        lang: sorted({k for cb in codebooks for c in cb.codes for k in c.keywords.get(lang, ())})
        for lang in LANGUAGES
    }
    documents = []
    for i in range(n):
        lang = LANGUAGES[i % len(LANGUAGES)]
        openings, contents = FILLER[lang]
        sep = "" if lang == "zh" else " "
        sentences = []
        for _ in range(rng.choice((1, 1, 2))):
            words = [rng.choice(openings), rng.choice(contents)]
            if keywords[lang] and rng.random() < 0.67:
                words.insert(rng.randrange(1, 3), rng.choice(keywords[lang]))
            if rng.random() < 0.5:
                words.append(rng.choice(contents))
            words.append(str(rng.randint(2, 9999)))  # makes nearly every response unique
            sentences.append(sep.join(words) + END[lang])
        documents.append(Document(id=f"s{i:07d}", text=sep.join(sentences), language=lang))
    return documents


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--codebooks", default="wsis-action-lines,sdgs,trends,challenges,kinds")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    names = [n for n in args.codebooks.split(",") if n]
    codebooks = [io.read_codebook(n) for n in names]
    documents = generate(codebooks, args.n, args.seed)
    fresh = generate(codebooks, args.n, args.seed + 1)  # coded after fit: no warm caches
    mean_chars = statistics.mean(len(d.text) for d in documents)
    print(f"{len(documents)} synthetic responses, mean {mean_chars:.0f} characters, 6 languages")
    print(
        "| codebook | codes | fit s | code s (wall) | responses/s (wall) | code CPU s "
        "| responses/CPU-s | coded share | codes per coded response |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, codebook in zip(names, codebooks, strict=True):
        fits, codes, cpus = [], [], []
        coded = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            coder = ZeroShotCoder(codebook, seed=args.seed).fit(documents)
            fits.append(time.perf_counter() - start)
            start, cpu = time.perf_counter(), time.process_time()
            coded = coder.code(fresh)
            codes.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
        fit_s, code_s = statistics.median(fits), statistics.median(codes)
        cpu_s = statistics.median(cpus)
        with_codes = [c for c in coded if c.codes]
        share = len(with_codes) / len(coded)
        per = statistics.mean(len(c.codes) for c in with_codes) if with_codes else 0.0
        print(
            f"| {name} | {len(codebook.codes)} | {fit_s:.2f} | {code_s:.2f} | "
            f"{len(fresh) / code_s:,.0f} | {cpu_s:.2f} | {len(fresh) / cpu_s:,.0f} | "
            f"{share:.2f} | {per:.2f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
