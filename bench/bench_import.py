"""Bulk import of generated submissions into the WSIS+20 call: submissions per second.

    .venv/bin/python bench/bench_import.py --db sqlite   [--n 100000] [--seed 20250314] [--jobs 2]
    .venv/bin/python bench/bench_import.py --db postgres [--pg-url postgres://postgres@127.0.0.1:5432]
    .venv/bin/python bench/bench_import.py --db sqlite --profile out.html   # pyinstrument
    .venv/bin/python bench/bench_import.py --db sqlite --cprofile out.prof  # cProfile

Goal: 20,000 submissions/s or more. Everything lives in a temporary data directory (SQLite) or a fresh
PostgreSQL database created for the run and dropped afterwards. The JSONL is generated first (seeded,
six languages, answers of 100-600 characters, valid for the WSIS+20 questionnaire), then the import is
timed in-process exactly as ``consulta import --jobs N`` runs it:
``submissions_import(read_records(file, parse=False), jobs=N)``.

The time is split by wrapping bulk._check (parse of each line is not in it), bulk._store_batch and the
transaction commit with counters; "parse+other" is the remainder (JSON decoding, the external-id
look-up, bookkeeping). Prints a human summary and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

# ----------------------------------------------------------------------------------- generation
# Original phrases written for this benchmark (not taken from any submission). Answers are built by
# joining phrases until a target length between 100 and 600 characters is reached.
PHRASES = {
    "en": [
        "Affordable broadband has reached many secondary towns, but rural districts still wait.",
        "Community networks deserve a clear licensing path and access to spectrum.",
        "Digital skills programmes should reach teachers before they reach pupils.",
        "Public services moved online quickly, yet many older people were left behind.",
        "The multistakeholder model worked best when governments joined as equals.",
        "Local content in indigenous languages remains scarce on the open web.",
        "Cybersecurity capacity is uneven, and small administrations need shared support.",
        "Data on gender gaps in connectivity are collected too rarely to guide policy.",
        "The Action Lines remain relevant but should name artificial intelligence explicitly.",
        "Regional cooperation on submarine cables reduced costs for landlocked countries.",
    ],
    "fr": [
        "Le haut débit abordable atteint désormais les villes moyennes, mais pas encore les campagnes.",
        "Les réseaux communautaires ont besoin d’un cadre de licence simple et d’accès au spectre.",
        "La formation aux compétences numériques doit commencer par les enseignants.",
        "Les services publics en ligne ont progressé, au risque d’exclure les personnes âgées.",
        "Le modèle multipartite fonctionne lorsque chaque partie participe sur un pied d’égalité.",
        "Les contenus locaux dans les langues nationales restent rares sur le Web.",
        "Les petites administrations manquent de moyens pour assurer leur cybersécurité.",
        "Les données ventilées par sexe sur la connectivité sont trop rares pour orienter l’action.",
        "Les grandes orientations restent pertinentes mais devraient traiter de l’intelligence artificielle.",
        "La coopération régionale sur les câbles sous-marins a fait baisser les prix.",
    ],
    "es": [
        "La banda ancha asequible llegó a muchas ciudades medianas, pero no a las zonas rurales.",
        "Las redes comunitarias necesitan licencias sencillas y acceso al espectro.",
        "La formación en competencias digitales debe empezar por el profesorado.",
        "Los servicios públicos en línea avanzaron, aunque muchas personas mayores quedaron fuera.",
        "El modelo de múltiples partes interesadas funciona cuando todos participan en igualdad.",
        "El contenido local en lenguas indígenas sigue siendo escaso en la red.",
        "Las administraciones pequeñas necesitan apoyo compartido en ciberseguridad.",
        "Faltan datos desglosados por género sobre conectividad para orientar las políticas.",
        "Las líneas de acción siguen vigentes, pero deberían mencionar la inteligencia artificial.",
        "La cooperación regional en cables submarinos abarató el acceso internacional.",
    ],
    "ru": [
        "Доступный широкополосный доступ пришел в средние города, но сельские районы все еще ждут.",
        "Сетям местных сообществ нужны простые лицензии и доступ к радиочастотам.",
        "Обучение цифровым навыкам следует начинать с учителей.",
        "Государственные услуги быстро перешли в интернет, но пожилые люди остались в стороне.",
        "Многосторонняя модель работает, когда все участники равноправны.",
        "Местного контента на языках коренных народов в сети по-прежнему мало.",
        "Небольшим администрациям нужна общая поддержка в области кибербезопасности.",
        "Данные о гендерном разрыве в подключении собираются слишком редко.",
        "Направления деятельности актуальны, но в них стоит прямо упомянуть искусственный интеллект.",
        "Региональное сотрудничество по подводным кабелям снизило стоимость связи.",
    ],
    "ar": [
        "وصلت خدمات النطاق العريض الميسورة إلى كثير من المدن المتوسطة، لكن المناطق الريفية ما زالت تنتظر.",
        "تحتاج الشبكات المجتمعية إلى ترخيص بسيط وإلى الوصول إلى الطيف الترددي.",
        "ينبغي أن يبدأ التدريب على المهارات الرقمية بالمعلمين.",
        "انتقلت الخدمات العامة إلى الإنترنت بسرعة، لكن كبار السن تخلفوا عن الركب.",
        "ينجح النموذج المتعدد أصحاب المصلحة عندما يشارك الجميع على قدم المساواة.",
        "ما زال المحتوى المحلي باللغات الأصلية نادراً على الشبكة.",
        "تحتاج الإدارات الصغيرة إلى دعم مشترك في مجال الأمن السيبراني.",
        "نادراً ما تُجمع بيانات الفجوة بين الجنسين في الاتصال بما يكفي لتوجيه السياسات.",
        "ما زالت خطوط العمل صالحة، لكن ينبغي أن تذكر الذكاء الاصطناعي صراحة.",
        "خفّض التعاون الإقليمي في الكابلات البحرية تكلفة الاتصال الدولي.",
    ],
    "zh": [
        "价格可负担的宽带已覆盖许多中等城市，但农村地区仍在等待。",
        "社区网络需要简便的许可程序和频谱接入。",
        "数字技能培训应首先面向教师。",
        "公共服务迅速上网，但许多老年人被落在后面。",
        "当各方平等参与时，多利益攸关方模式效果最好。",
        "网络上使用本土语言的本地内容仍然稀缺。",
        "小型行政机构需要在网络安全方面获得共享支持。",
        "关于连接方面性别差距的数据收集太少，难以指导政策。",
        "各行动方面依然有效，但应明确提及人工智能。",
        "海底电缆方面的区域合作降低了国际连接的成本。",
    ],
}
NAMES = {
    "en": ["Alex Morgan", "Priya Natarajan", "Samuel Okafor", "Grace Liu"],
    "fr": ["Aminata Diallo", "Julien Moreau", "Claire Dubois", "Youssouf Traoré"],
    "es": ["Lucía Fernández", "Mateo Rojas", "Valentina Cruz", "Diego Herrera"],
    "ru": ["Анна Смирнова", "Дмитрий Волков", "Ольга Кузнецова", "Игорь Попов"],
    "ar": ["ليلى حداد", "عمر الخطيب", "سارة منصور", "يوسف العلي"],
    "zh": ["王芳", "李明", "张伟", "陈静"],
}
ORGS = {
    "en": "Network for Open Connectivity",
    "fr": "Association pour l’inclusion numérique",
    "es": "Fundación Conectar",
    "ru": "Ассоциация цифрового развития",
    "ar": "جمعية التنمية الرقمية",
    "zh": "数字发展协会",
}
LANGS = ("ar", "zh", "en", "fr", "ru", "es")
STAKEHOLDERS = (
    "government",
    "private_sector",
    "civil_society",
    "academia",
    "technical_community",
    "international_organisation",
    "other",
)
CONSENTS = ("publish_named", "publish_anonymous", "private")
SOURCES = ("import", "email", "meeting", "letter", "form")
OPTIONAL_KEYS = ("alignment_2030", "emerging_trends", "beyond_2025", "action_lines_review")
WINDOW_START = datetime(2024, 8, 2, 9, 0, tzinfo=timezone(timedelta(hours=2)))
WINDOW_SECONDS = int((datetime(2025, 3, 14, 20, 0, tzinfo=UTC) - WINDOW_START).total_seconds())


def answer_text(rng: random.Random, language: str) -> str:
    target = rng.randint(100, 600)
    pool = PHRASES[language]
    sep = "" if language == "zh" else " "
    parts: list[str] = []
    size = 0
    while size < target:
        phrase = rng.choice(pool)
        parts.append(phrase)
        size += len(phrase) + len(sep)
    text = sep.join(parts)
    return text[:600].rstrip()


def generate_record(rng: random.Random, index: int, countries: tuple[str, ...]) -> dict:
    language = rng.choice(LANGS)
    answers = {"achievements_challenges": answer_text(rng, language)}
    for key in OPTIONAL_KEYS:
        if rng.random() < 0.6:
            answers[key] = answer_text(rng, language)
    behalf = rng.random() < 0.5
    received = WINDOW_START + timedelta(seconds=rng.randrange(WINDOW_SECONDS))
    return {
        "external_id": f"bench-{index:07d}",
        "submitted_at": received.isoformat(),
        "source": rng.choice(SOURCES),
        "language": language,
        "consent": rng.choice(CONSENTS),
        "respondent": {
            "name": rng.choice(NAMES[language]),
            "email": f"respondent{index}@example.org",
            "organisation": ORGS[language] if behalf else "",
            "stakeholder_type": rng.choice(STAKEHOLDERS),
            "country": rng.choice(countries),
            "on_behalf_of_organisation": behalf,
        },
        "answers": answers,
    }


def generate_file(path: Path, n: int, seed: int) -> dict:
    from consulta.regions import COUNTRY_CODES

    rng = random.Random(seed)
    chars = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(1, n + 1):
            record = generate_record(rng, i, COUNTRY_CODES)
            chars += sum(len(v) for v in record["answers"].values())
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return {"bytes": path.stat().st_size, "answer_chars_mean": round(chars / n, 1)}


# ----------------------------------------------------------------------------------- database


def psql(base_url: str, sql: str) -> None:
    subprocess.run(
        ["psql", f"{base_url}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True
    )


def setup_django(data_dir: Path, database_url: str | None) -> None:
    os.environ["CONSULTA_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consulta.settings")
    os.environ["DEBUG"] = "false"  # DEBUG keeps every query in memory
    os.environ["LOG_LEVEL"] = "WARNING"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from consulta.calls.seeding import call_seed

    call_seed(slug="wsis20")


# ----------------------------------------------------------------------------------- timing


class Timers:
    """Wall seconds and CPU seconds of this process (CPU is robust to a busy shared machine)."""

    def __init__(self) -> None:
        self.check = self.store = self.commit = 0.0
        self.check_cpu = self.store_cpu = self.commit_cpu = 0.0


def instrument(timers: Timers):
    """Wrap bulk._check, bulk._store_batch and the commit with counters (benchmark-side only)."""
    from django.db import transaction

    from consulta.submissions import bulk

    check, store = bulk._check, bulk._store_batch

    def timed_check(*a, **k):
        t, c = time.perf_counter(), time.process_time()
        try:
            return check(*a, **k)
        finally:
            timers.check += time.perf_counter() - t
            timers.check_cpu += time.process_time() - c

    def timed_store(*a, **k):
        t, c = time.perf_counter(), time.process_time()
        try:
            return store(*a, **k)
        finally:
            timers.store += time.perf_counter() - t
            timers.store_cpu += time.process_time() - c

    atomic = transaction.atomic

    class TimedAtomic:
        """transaction.atomic() whose outermost exit (the COMMIT) is timed."""

        def __init__(self, *a, **k):
            self.inner = atomic(*a, **k)

        def __enter__(self):
            return self.inner.__enter__()

        def __exit__(self, *exc):
            t, c = time.perf_counter(), time.process_time()
            try:
                return self.inner.__exit__(*exc)
            finally:
                timers.commit += time.perf_counter() - t
                timers.commit_cpu += time.process_time() - c

    bulk._check, bulk._store_batch = timed_check, timed_store

    class TransactionProxy:
        """django.db.transaction with atomic() timed (on_commit etc. pass through)."""

        atomic = TimedAtomic

        def __getattr__(self, name):
            return getattr(transaction, name)

    bulk.transaction = TransactionProxy()


def server_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far, read from /proc (the server runs
    on this machine for the benchmark); None on SQLite or where /proc cannot tell."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_import(path: Path, jobs: int = 1):
    from consulta.calls.models import Call
    from consulta.submissions.bulk import read_records, submissions_import

    call = Call.objects.get(slug="wsis20")
    with path.open("rb") as stream:
        return submissions_import(call=call, records=read_records(stream, "jsonl", parse=False), jobs=jobs
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20250314)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--profile", metavar="HTML", help="pyinstrument profile of the import")
    parser.add_argument("--cprofile", metavar="PROF", help="cProfile stats of the import")
    parser.add_argument("--keep", action="store_true", help="keep the data directory / database")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="worker processes that check lines while the parent writes (consulta import --jobs)",
    )
    parser.add_argument("--prototype", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--sqlite-cache-mb",
        type=int,
        default=0,
        help="PRAGMA cache_size for the import's connection (SQLite's default is 2 MB)",
    )
    args = parser.parse_args()
    if args.prototype:
        parser.error(
            "--prototype is gone: its faster store (ids drawn first, COPY / executemany) is now "
            "the product's own, in consulta.submissions.bulk; run without it"
        )

    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    dbname = f"bench_import_{os.getpid()}"
    database_url = None
    if args.db == "postgres":
        psql(args.pg_url, f"CREATE DATABASE {dbname}")
        database_url = f"{args.pg_url}/{dbname}"
    try:
        setup_django(tmp, database_url)
        jsonl = tmp / "submissions.jsonl"
        t = time.perf_counter()
        facts = generate_file(jsonl, args.n, args.seed)
        gen_s = time.perf_counter() - t
        print(
            f"generated {args.n} lines, {facts['bytes'] / 1e6:.1f} MB, mean answer chars per "
            f"submission {facts['answer_chars_mean']} in {gen_s:.1f}s",
            flush=True,
        )
        if args.sqlite_cache_mb and args.db == "sqlite":
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = -{args.sqlite_cache_mb * 1024}")
        timers = Timers()
        instrument(timers)
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.002)
            profiler.start()
        elif args.cprofile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        import hashlib

        from consulta.submissions import bulk as bulk_module

        bulk_sha = hashlib.sha256(Path(bulk_module.__file__).read_bytes()).hexdigest()[:12]
        load = os.getloadavg()[0]
        workers_cpu, server = children_cpu(), server_cpu()
        t, c = time.perf_counter(), time.process_time()
        result = run_import(jsonl, args.jobs)
        total, cpu = time.perf_counter() - t, time.process_time() - c
        workers_cpu = children_cpu() - workers_cpu  # the checking workers, reaped by now
        if server is not None:
            server = server_cpu() - server
        if args.profile:
            profiler.stop()
            Path(args.profile).write_text(profiler.output_html())
            print(profiler.output_text(unicode=True, color=False, show_all=False)[:12000])
        elif args.cprofile:
            profiler.disable()
            profiler.dump_stats(args.cprofile)
            import pstats

            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)

        from consulta.submissions.models import Submission, SubmissionVersion

        stored = Submission.objects.filter(call__slug="wsis20").count()
        versions = SubmissionVersion.objects.filter(submission__call__slug="wsis20").count()
        dangling = Submission.objects.filter(call__slug="wsis20", current_version=None).count()
        sample = SubmissionVersion.objects.filter(submission__call__slug="wsis20").order_by("?")[
            :500
        ]
        bad_hashes = sum(1 for v in sample if v.recompute_hash() != v.content_hash)
        parse_other = total - timers.check - timers.store - timers.commit
        report = {
            "bench": "import",
            "db": args.db,
            "n": args.n,
            "seed": args.seed,
            "created": result.created,
            "stored": stored,
            "versions": versions,
            "without_current_version": dangling,
            "sample_hash_mismatches": bad_hashes,
            "total_s": round(total, 2),
            "per_s": round(result.created / total),
            "check_s": round(timers.check, 2),
            "store_s": round(timers.store, 2),
            "commit_s": round(timers.commit, 2),
            "parse_other_s": round(parse_other, 2),
            "cpu_s": round(cpu, 2),
            "per_cpu_s": round(result.created / cpu),
            "check_cpu_s": round(timers.check_cpu, 2),
            "store_cpu_s": round(timers.store_cpu, 2),
            "commit_cpu_s": round(timers.commit_cpu, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "loadavg_1m_at_start": round(load, 2),
            "profiled": bool(args.profile or args.cprofile),
            "sqlite_cache_mb": args.sqlite_cache_mb or None,
            "jobs": args.jobs,
            "workers_cpu_s": round(workers_cpu, 2),
            "server_cpu_s": None if server is None else round(server, 2),
            "bulk_py_sha256": bulk_sha,
            "python": sys.version.split()[0],
            "cores": os.cpu_count(),
        }
        print(
            f"{args.db}: imported {result.created} in {total:.2f}s = {report['per_s']:,}/s "
            f"(goal 20,000/s) | check {timers.check:.2f}s, store {timers.store:.2f}s, "
            f"commit {timers.commit:.2f}s, parse+other {parse_other:.2f}s | "
            f"own CPU {cpu:.2f}s = {report['per_cpu_s']:,}/CPU-s (check {timers.check_cpu:.2f}, "
            f"store {timers.store_cpu:.2f}, commit {timers.commit_cpu:.2f}) | "
            f"workers' CPU {workers_cpu:.2f}s"
            + ("" if server is None else f", PostgreSQL backend's CPU {server:.2f}s")
            + " | "
            f"stored {stored}, versions {versions}, peak RSS {report['peak_rss_mb']} MB"
        )
        print(json.dumps(report))
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
            if args.db == "postgres":
                from django.db import connections

                connections.close_all()
                psql(args.pg_url, f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
        else:
            print(f"kept {tmp}" + (f" and database {dbname}" if args.db == "postgres" else ""))


if __name__ == "__main__":
    main()
