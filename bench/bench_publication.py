"""Public contribution list: list, filter and search latency (median and p95) at scale.

    .venv/bin/python bench/bench_publication.py --db sqlite   --n 100000
    .venv/bin/python bench/bench_publication.py --db postgres --n 100000 [--pg-url postgres://postgres@127.0.0.1:5432]
    .venv/bin/python bench/bench_publication.py --db sqlite   --n 1000000 --json bench/out/publication_sqlite_1m.json
    options: --reps 30 (timed repetitions per scenario), --keep (keep the data directory / database),
    --reuse DIR[:DBNAME] (measure a kept set again), --only first_page,q_common_rel

Goal (issue): p95 <= 200 ms on the 2-core machine, with 100,000 and 1,000,000 published contributions.

What it does, in a fresh data directory (/tmp/bench-pub-<db>-<n>-<pid>, SQLite) or a fresh PostgreSQL
database (bench_pub_<pid>, dropped at the end):

1. migrate + seed the WSIS+20 call; bulk-insert minimal Respondent / Submission / SubmissionVersion rows and
   one *published* Contribution per submission (raw executemany on SQLite, COPY on PostgreSQL; plain
   indexes are dropped during the load and recreated from their own definitions afterwards). Answers are
   1-3 texts of 100-800 characters in the six UN languages, drawn from a pool of ~4,200 distinct texts
   made of original sentences written for this benchmark; ``search_document`` is built with
   ``consulta.publication.search.search_document`` (once per distinct text, then joined exactly as that
   function joins parts). ~30 % of the rows get 1-3 ContributionCode rows. received_at spreads over
   seven months, ids follow received_at (as publication order would).
2. SQLite: the FTS5 table is filled in one INSERT ... SELECT (what search.index_update does row by
   row); PostgreSQL: ANALYZE.
3. Times each scenario through the real code: ``selectors.contribution_page(...)`` in-process, and the
   real view ``GET /en/calls/wsis20/contributions/?...`` through django.test.Client (middleware,
   facet counts, template). 3 warm-up calls, then --reps timed calls; median and p95 (nearest rank).
   The view's time is also split: list query, filter menus (cached), the rest.
4. EXPLAIN QUERY PLAN (SQLite) / EXPLAIN (ANALYZE, BUFFERS) (PostgreSQL) of each scenario's list query.
5. The filter menus: a cache miss (one GROUP BY), a hit, and the first page with a cold cache.

The machine is shared: the 1-minute load average is recorded at the start of every scenario.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# ----------------------------------------------------------------------------------- texts
# Original sentences written for this benchmark. "digital" (and its translations) is frequent, "community
# networks" is a two-word phrase in a few sentences, 宽带 (broadband) a Chinese word in some Chinese ones.
SENTENCES = {
    "en": [
        "Digital public infrastructure should be designed so that small countries can adopt it without licence fees.",
        "Community networks in mountain villages have shown that local operators can close the last mile.",
        "We ask that the review keep digital inclusion of persons with disabilities at the centre of every action line.",
        "Mobile money has expanded financial access, yet consumer protection rules lag behind.",
        "Open data portals are only useful when the datasets are updated and documented.",
        "The cost of a basic smartphone remains a barrier for women in low income households.",
        "Regional internet exchange points kept traffic local and cut latency for schools.",
        "Digital literacy training for public servants should be continuous rather than a single course.",
        "Artificial intelligence governance needs the voices of researchers from the global south.",
        "Spectrum for community networks should be allocated through simple and cheap licences.",
        "Cybersecurity incidents against hospitals showed how fragile critical services have become.",
        "Multilingual content online grows slowly because local publishers lack digital tools.",
        "Environmental costs of data centres and electronic waste deserve a place in the next review.",
        "Youth organisations ran coding clubs that reached thousands of pupils in rural districts.",
        "Satellite connectivity can serve remote islands, but prices must fall for households.",
        "Measurement of meaningful connectivity should replace simple counts of subscriptions.",
    ],
    "fr": [
        "L’infrastructure publique numérique doit pouvoir être reprise par les petits pays sans frais de licence.",
        "Les réseaux communautaires des villages de montagne montrent que des opérateurs locaux peuvent couvrir le dernier kilomètre.",
        "L’inclusion numérique des personnes handicapées doit rester au cœur de chaque grande orientation.",
        "Le paiement mobile a élargi l’accès aux services financiers, mais la protection des consommateurs tarde.",
        "Les portails de données ouvertes ne servent que si les jeux de données sont tenus à jour.",
        "Le prix d’un téléphone intelligent reste un obstacle pour les femmes des ménages modestes.",
        "Les points d’échange Internet régionaux gardent le trafic local et réduisent la latence pour les écoles.",
        "La formation des agents publics aux outils numériques devrait être continue.",
        "La gouvernance de l’intelligence artificielle a besoin des chercheurs des pays du Sud.",
        "Les déchets électroniques et l’énergie des centres de données méritent une place dans le prochain examen.",
        "Les attaques informatiques contre les hôpitaux ont montré la fragilité des services essentiels.",
        "Les associations de jeunes ont animé des clubs de programmation dans les zones rurales.",
    ],
    "es": [
        "La infraestructura pública digital debe poder adoptarse en países pequeños sin pagar licencias.",
        "Las redes comunitarias de los pueblos de montaña demuestran que los operadores locales cubren la última milla.",
        "La inclusión digital de las personas con discapacidad debe seguir en el centro de cada línea de acción.",
        "El dinero móvil amplió el acceso financiero, pero la protección del consumidor va con retraso.",
        "Los portales de datos abiertos solo son útiles si los conjuntos de datos se actualizan.",
        "El precio de un teléfono inteligente sigue siendo una barrera para las mujeres de hogares pobres.",
        "Los puntos de intercambio de internet regionales mantienen el tráfico local y reducen la latencia en las escuelas.",
        "La capacitación digital de los funcionarios públicos debería ser permanente.",
        "La gobernanza de la inteligencia artificial necesita a investigadores del sur global.",
        "Los residuos electrónicos y la energía de los centros de datos merecen un lugar en el próximo examen.",
        "Los ataques informáticos contra hospitales mostraron la fragilidad de los servicios esenciales.",
        "Las organizaciones juveniles abrieron clubes de programación en distritos rurales.",
    ],
    "ru": [
        "Цифровая общественная инфраструктура должна быть доступна малым странам без лицензионных платежей.",
        "Сети местных сообществ в горных селах показали, что местные операторы способны решить проблему последней мили.",
        "Цифровая инклюзия людей с инвалидностью должна оставаться в центре каждого направления деятельности.",
        "Мобильные платежи расширили доступ к финансовым услугам, но защита потребителей отстает.",
        "Порталы открытых данных полезны только тогда, когда наборы данных регулярно обновляются.",
        "Цена смартфона остается препятствием для женщин из малообеспеченных семей.",
        "Региональные точки обмена интернет-трафиком удерживают трафик внутри страны и снижают задержки для школ.",
        "Обучение государственных служащих цифровым навыкам должно быть постоянным.",
        "Управлению искусственным интеллектом нужны исследователи из стран глобального Юга.",
        "Электронные отходы и энергопотребление центров обработки данных заслуживают места в следующем обзоре.",
        "Кибератаки на больницы показали, насколько уязвимы жизненно важные услуги.",
        "Молодежные организации открыли кружки программирования в сельских районах.",
    ],
    "ar": [
        "ينبغي أن تتمكن البلدان الصغيرة من اعتماد البنية التحتية الرقمية العامة دون رسوم ترخيص.",
        "أثبتت الشبكات المجتمعية في القرى الجبلية أن المشغلين المحليين قادرون على تغطية الميل الأخير.",
        "يجب أن يبقى الإدماج الرقمي للأشخاص ذوي الإعاقة في صميم كل خط من خطوط العمل.",
        "وسّعت الأموال المتنقلة الوصول إلى الخدمات المالية، لكن حماية المستهلك متأخرة.",
        "لا تكون بوابات البيانات المفتوحة مفيدة إلا إذا جرى تحديث مجموعات البيانات بانتظام.",
        "ما زال سعر الهاتف الذكي عائقاً أمام النساء في الأسر ذات الدخل المنخفض.",
        "تحافظ نقاط تبادل الإنترنت الإقليمية على الحركة محلياً وتقلل زمن الاستجابة للمدارس.",
        "ينبغي أن يكون تدريب الموظفين العموميين على المهارات الرقمية مستمراً.",
        "تحتاج حوكمة الذكاء الاصطناعي إلى أصوات الباحثين من بلدان الجنوب.",
        "تستحق النفايات الإلكترونية وطاقة مراكز البيانات مكاناً في الاستعراض القادم.",
        "كشفت الهجمات السيبرانية على المستشفيات هشاشة الخدمات الأساسية.",
        "أنشأت منظمات الشباب نوادي للبرمجة في المناطق الريفية.",
    ],
    "zh": [
        "数字公共基础设施应当让小国无需支付许可费即可采用。",
        "山区村庄的社区网络表明，本地运营商能够解决最后一公里问题。",
        "残疾人的数字包容应始终处于每一条行动方针的核心。",
        "移动支付扩大了金融服务的覆盖面，但消费者保护仍然滞后。",
        "开放数据门户只有在数据集定期更新时才有用处。",
        "智能手机的价格仍然是低收入家庭妇女上网的障碍。",
        "区域互联网交换点让流量留在本地，降低了学校的网络延迟。",
        "公务员的数字技能培训应当持续进行。",
        "人工智能治理需要全球南方研究人员的声音。",
        "电子废物和数据中心的能耗应当列入下一次审查。",
        "针对医院的网络攻击显示出基本服务的脆弱。",
        "价格合理的宽带已经进入许多县城，但偏远村庄仍然没有宽带。",
        "青年组织在农村地区开办了编程俱乐部。",
        "卫星宽带可以覆盖偏远岛屿，但家庭资费必须下降。",
    ],
}
# Exactly one English pool text carries this sentence: the "rare word" scenario.
RARE_SENTENCE = "A geothermal plant now powers the regional data centre in our valley."
NAMES = {
    "en": [
        "Ruth Ambler",
        "Kofi Mensah",
        "Harriet Quayle",
        "Dev Raman",
        "Nora Whitcombe",
        "Tomas Reyes",
    ],
    "fr": ["Odile Marchand", "Issa Coulibaly", "Bérénice Laforge", "Théo Garnier", "Mariam Sow"],
    "es": ["Inés Castaño", "Rodrigo Peralta", "Ximena Vidal", "Bruno Echeverría", "Paula Quiroga"],
    "ru": ["Вера Белова", "Павел Орлов", "Галина Соколова", "Артём Лебедев", "Нина Морозова"],
    "ar": ["هدى السالم", "كريم الزين", "ريم الفارس", "طارق النجار", "منى القاسم"],
    "zh": ["刘洋", "周丽", "黄海", "吴婷", "郑凯"],
}
ORGS = {
    "en": [
        "Open Spectrum Alliance",
        "Digital Rights Watch Collective",
        "Highland Connectivity Trust",
        "",
    ],
    "fr": ["Collectif Accès Numérique", "Institut des Réseaux Solidaires", ""],
    "es": ["Red Andina de Conectividad", "Observatorio Digital Ciudadano", ""],
    "ru": ["Союз развития связи", "Центр цифровых исследований", ""],
    "ar": ["المرصد العربي للاتصالات", "مبادرة الوصول الرقمي", ""],
    "zh": ["互联网发展研究中心", "数字包容联盟", ""],
}
LANG_WEIGHTS = {"en": 40, "fr": 15, "es": 14, "ar": 10, "ru": 10, "zh": 11}
STAKEHOLDER_WEIGHTS = {
    "civil_society": 30,
    "government": 18,
    "private_sector": 15,
    "academia": 14,
    "technical_community": 10,
    "international_organisation": 6,
    "other": 7,
}
ANSWER_KEYS = (
    "achievements_challenges",
    "alignment_2030",
    "emerging_trends",
    "beyond_2025",
    "action_lines_review",
)
CODES = [f"sdgs:SDG{i}" for i in range(1, 18)] + [f"wsis-action-lines:C{i}" for i in range(1, 12)]
POOL_PER_LANGUAGE = 700
WINDOW_START = datetime(2024, 8, 1, 6, 0, tzinfo=UTC)
WINDOW_SECONDS = 212 * 86400  # seven months

# What the scenarios look for (hit counts are measured and reported).
COMMON_WORD = "digital"
RARE_WORD = "geothermal"
CHINESE_WORD = "宽带"
PHRASE = "community networks"
NO_MATCH = "zyxwvq"
# Words in about 2 % and 1.5 % of contributions (a Spanish word, a surname among the authors): the band
# where finding the newest matches costs most on PostgreSQL (found after the first 1M runs).
MID_WORD = "observatorio"
MID_NAME = "quiroga"
CODE = "sdgs:SDG4"


def make_text(rng: random.Random, language: str) -> str:
    target = rng.randint(100, 800)
    pool = SENTENCES[language]
    sep = "" if language == "zh" else " "
    parts: list[str] = []
    size = 0
    while size < target:
        sentence = rng.choice(pool)
        if size + len(sentence) > 800 and size >= 100:
            break
        parts.append(sentence)
        size += len(sentence) + len(sep)
    return sep.join(parts)[:800]


def build_pool(rng: random.Random) -> dict[str, list[str]]:
    pool = {
        lang: list({make_text(rng, lang) for _ in range(POOL_PER_LANGUAGE * 2)})[:POOL_PER_LANGUAGE]
        for lang in SENTENCES
    }
    for lang in pool:
        pool[lang].sort()
        rng.shuffle(pool[lang])
    pool["en"][7] = pool["en"][7][: 800 - len(RARE_SENTENCE) - 1] + " " + RARE_SENTENCE
    return pool


# ----------------------------------------------------------------------------------- database set-up


def psql(base_url: str, sql: str) -> None:
    subprocess.run(
        ["psql", f"{base_url}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True
    )


def setup_django(data_dir: Path, database_url: str | None) -> None:
    os.environ["CONSULTA_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consulta.settings")
    os.environ["DEBUG"] = "false"  # DEBUG keeps every query in memory and changes error pages
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


def weighted(rng: random.Random, weights: dict[str, int], k: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=k)


class Loader:
    """Raw bulk insert of the four tables, column lists taken from the models."""

    def __init__(self, vendor: str) -> None:
        from django.db import connection

        self.vendor = vendor
        self.connection = connection
        self.now = datetime.now(UTC)

    def db(self, value):
        if isinstance(value, datetime):
            if self.vendor == "sqlite":
                return str(value.astimezone(UTC).replace(tzinfo=None))
            return value
        if isinstance(value, bool):
            return int(value) if self.vendor == "sqlite" else value
        if isinstance(value, dict | list):
            return json.dumps(value)
        return value

    def template(self, model, given: tuple[str, ...]) -> tuple[list[str], list, list[int]]:
        """Column names, a row of defaults and the positions of the columns given per row."""
        columns, defaults, positions = [], [], []
        for f in model._meta.concrete_fields:
            columns.append(f.column)
            if f.column in given or f.name in given:
                positions.append(len(columns) - 1)
                defaults.append(None)
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                defaults.append(self.db(self.now))
            elif f.has_default():
                defaults.append(self.db(f.get_default()))
            elif f.null:
                defaults.append(None)
            else:
                defaults.append("")
        order = [next(i for i, c in enumerate(columns) if c == g or c == g + "_id") for g in given]
        return columns, defaults, order

    def insert(self, model, given: tuple[str, ...], rows) -> None:
        columns, defaults, order = self.template(model, given)
        table = model._meta.db_table
        full = []
        for row in rows:
            values = defaults.copy()
            for pos, value in zip(order, row, strict=True):
                values[pos] = value
            full.append(values)
        cols = ", ".join(f'"{c}"' for c in columns)
        if self.vendor == "sqlite":
            marks = ", ".join("?" for _ in columns)
            self.connection.connection.executemany(
                f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', full
            )
        else:
            cursor = self.connection.connection.cursor()
            with cursor, cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for values in full:
                    copy.write_row(values)


def plain_indexes(vendor: str, tables: list[str]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes that back no constraint: dropped during the load."""
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "sqlite":
            marks = ",".join("%s" for _ in tables)
            cursor.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL AND tbl_name IN ({marks})",  # noqa: S608
                tables,
            )
        else:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint)",
                [tables],
            )
        return list(cursor.fetchall())


def generate(n: int, seed: int, vendor: str) -> dict:
    from django.db import connection, transaction

    from consulta import regions
    from consulta.calls.models import Call
    from consulta.publication import search
    from consulta.publication.models import Contribution, ContributionCode
    from consulta.submissions.models import Respondent, Submission, SubmissionVersion

    rng = random.Random(seed)
    call = Call.objects.get(slug="wsis20")
    t0 = time.perf_counter()
    pool = build_pool(rng)
    pool_sd = {lang: [search.search_document([t]) for t in texts] for lang, texts in pool.items()}
    name_sd = {
        v: search.search_document([v]) for vs in (*NAMES.values(), *ORGS.values()) for v in vs if v
    }
    pool_s = time.perf_counter() - t0

    countries = list(regions.COUNTRY_CODES)
    rng.shuffle(countries)
    country_weights = [1 / (rank + 5) for rank in range(len(countries))]  # Zipf-like, a long tail
    stamps = sorted(rng.randrange(WINDOW_SECONDS) for _ in range(n))
    # more at the end, as before a deadline: fold 25 % of the rows into the last three weeks
    stamps = sorted(
        s if rng.random() > 0.25 else WINDOW_SECONDS - rng.randrange(21 * 86400) for s in stamps
    )

    tables = [
        m._meta.db_table
        for m in (Respondent, Submission, SubmissionVersion, Contribution, ContributionCode)
    ]
    saved = plain_indexes(vendor, tables)
    loader = Loader(vendor)
    with connection.cursor() as cursor:
        for name, _sql in saved:
            cursor.execute(f'DROP INDEX "{name}"')
    if vendor == "sqlite":
        connection.connection.execute("PRAGMA foreign_keys=OFF")
        connection.connection.execute("PRAGMA synchronous=OFF")
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")  # no FK triggers during COPY
    prefix = "WSIS20-"
    chunk = 20_000
    codes_total = 0
    t0 = time.perf_counter()
    for start in range(1, n + 1, chunk):
        ids = range(start, min(n, start + chunk - 1) + 1)
        k = len(ids)
        langs = weighted(rng, LANG_WEIGHTS, k)
        types = weighted(rng, STAKEHOLDER_WEIGHTS, k)
        ctry = rng.choices(countries, weights=country_weights, k=k)
        resp_rows, sub_rows, ver_rows, con_rows, code_rows = [], [], [], [], []
        for j, i in enumerate(ids):
            lang, stype, country = langs[j], types[j], ctry[j]
            region = regions.region_of(country)
            received = loader.db(WINDOW_START + timedelta(seconds=stamps[i - 1]))
            named = rng.random() < 0.5
            name = rng.choice(NAMES[lang])
            org = rng.choice(ORGS[lang])
            consent = "publish_named" if named else "publish_anonymous"
            reference = f"{prefix}{i:08d}"
            picks = [rng.randrange(POOL_PER_LANGUAGE) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
            answers = {ANSWER_KEYS[a]: pool[lang][p] for a, p in enumerate(picks)}
            parts = (
                [name_sd[name], name_sd[org]] if named and org else [name_sd[name]] if named else []
            )
            document = "\n".join([*parts, *(pool_sd[lang][p] for p in picks)])
            resp_rows.append(
                (i, name, f"r{i}@example.org", org, bool(org), stype, country, region, lang)
            )
            sub_rows.append(
                (
                    i,
                    call.pk,
                    reference,
                    i,
                    "submitted",
                    "import",
                    lang,
                    consent,
                    f"bench-{i}",
                    i,
                    1,
                    received,
                    received,
                    f"{i:032x}",
                )
            )
            ver_rows.append((i, i, 1, consent, lang, f"{i:064x}", received, "on_time"))
            con_rows.append(
                (
                    i,
                    call.pk,
                    i,
                    reference,
                    "published",
                    i,
                    consent,
                    name if named else "",
                    org if named else "",
                    stype,
                    country,
                    region,
                    lang,
                    received,
                    json.dumps(answers, ensure_ascii=vendor == "sqlite"),
                    document,
                    received,
                    received,
                )
            )
            if rng.random() < 0.30:
                for code in set(rng.choices(CODES, k=rng.randint(1, 3))):
                    codes_total += 1
                    code_rows.append((codes_total, i, code))
        with transaction.atomic():
            loader.insert(
                Respondent,
                (
                    "id",
                    "name",
                    "email",
                    "organisation",
                    "on_behalf_of_organisation",
                    "stakeholder_type",
                    "country",
                    "region",
                    "language",
                ),
                resp_rows,
            )
            loader.insert(
                Submission,
                (
                    "id",
                    "call",
                    "reference",
                    "respondent",
                    "status",
                    "source",
                    "language",
                    "consent",
                    "external_id",
                    "current_version",
                    "version_count",
                    "first_submitted_at",
                    "last_submitted_at",
                    "resume_nonce",
                ),
                sub_rows,
            )
            loader.insert(
                SubmissionVersion,
                (
                    "id",
                    "submission",
                    "number",
                    "consent",
                    "language",
                    "content_hash",
                    "received_at",
                    "timeliness",
                ),
                ver_rows,
            )
            loader.insert(
                Contribution,
                (
                    "id",
                    "call",
                    "submission",
                    "reference",
                    "state",
                    "published_version",
                    "consent",
                    "author_name",
                    "author_organisation",
                    "stakeholder_type",
                    "country",
                    "region",
                    "language",
                    "received_at",
                    "answers",
                    "search_document",
                    "published_at",
                    "moderated_at",
                ),
                con_rows,
            )
            loader.insert(ContributionCode, ("id", "contribution", "code"), code_rows)
        if (start // chunk) % 10 == 0:
            print(f"  loaded {ids[-1]:,} rows in {time.perf_counter() - t0:.0f}s", flush=True)
    load_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")
            cursor.execute("SET maintenance_work_mem = '1GB'")
        for _name, sql in saved:
            cursor.execute(sql)
        if vendor == "postgresql":
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM \"{table}\"))"  # noqa: S608
                )
    index_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute(f"DELETE FROM {search.FTS_TABLE}")  # noqa: S608
            cursor.execute(
                f"INSERT INTO {search.FTS_TABLE}(rowid, body) SELECT id, search_document "  # noqa: S608
                "FROM publication_contribution WHERE state = 'published'"
            )
            connection.connection.execute("PRAGMA synchronous=NORMAL")
            connection.connection.execute("PRAGMA foreign_keys=ON")
            connection.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            cursor.execute("VACUUM ANALYZE")
    search_s = time.perf_counter() - t0
    size = db_size(vendor)
    return {
        "pool_s": round(pool_s, 1),
        "load_s": round(load_s, 1),
        "indexes_s": round(index_s, 1),
        "fts_or_analyze_s": round(search_s, 1),
        "codes": codes_total,
        "db_mb": size,
        "pool_texts": sum(len(v) for v in pool.values()),
    }


def replicate_sqlite(factor: int) -> dict:
    """Scale a generated SQLite set up ``factor`` times inside SQLite (no Python per row): every row is
    copied factor-1 times with received_at moved by a pseudo-random -1 h..+1 h, then all rows are renumbered
    so that ids follow received_at again, unique columns rebuilt from the new id, the plain indexes and
    the FTS5 table rebuilt. Answers, search documents, filters and codes keep the generated distribution
    (a search hit count is multiplied by ``factor``)."""
    from django.db import connection

    from consulta.publication import search
    from consulta.publication.models import Contribution, ContributionCode
    from consulta.submissions.models import Respondent, Submission, SubmissionVersion

    t0 = time.perf_counter()
    models_ = (Respondent, Submission, SubmissionVersion, Contribution, ContributionCode)
    tables = [m._meta.db_table for m in models_]
    saved = plain_indexes("sqlite", tables)
    raw = connection.connection
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.execute("PRAGMA synchronous=OFF")
    raw.execute("PRAGMA temp_store=FILE")
    for name, _sql in saved:
        raw.execute(f'DROP INDEX "{name}"')
    raw.execute(f"DELETE FROM {search.FTS_TABLE}")
    raw.execute("CREATE TEMP TABLE copies(k INTEGER PRIMARY KEY)")
    raw.executemany("INSERT INTO copies VALUES (?)", [(k,) for k in range(factor)])
    raw.execute(
        "CREATE TEMP TABLE idmap AS SELECT old_id, k, ts, row_number() OVER (ORDER BY ts, k, old_id) AS new_id FROM "
        "(SELECT c.id AS old_id, copies.k AS k, CASE WHEN copies.k = 0 THEN c.received_at ELSE "
        "datetime(c.received_at, printf('%+d seconds', (c.id * 7919 + copies.k * 104729) % 7201 - 3600)) END AS ts "
        "FROM publication_contribution c, copies)"
    )
    raw.execute("CREATE INDEX temp.idmap_old ON idmap(old_id, k)")
    subst = {
        "publication_contribution": {
            "id": "m.new_id",
            "submission_id": "m.new_id",
            "published_version_id": "m.new_id",
            "reference": "'WSIS20-' || printf('%08d', m.new_id)",
            "received_at": "m.ts",
            "published_at": "m.ts",
            "moderated_at": "m.ts",
        },
        "submissions_submission": {
            "id": "m.new_id",
            "respondent_id": "m.new_id",
            "current_version_id": "m.new_id",
            "reference": "'WSIS20-' || printf('%08d', m.new_id)",
            "external_id": "'bench-' || m.new_id",
            "first_submitted_at": "m.ts",
            "last_submitted_at": "m.ts",
            "resume_nonce": "printf('%032x', m.new_id)",
        },
        "submissions_submissionversion": {
            "id": "m.new_id",
            "submission_id": "m.new_id",
            "received_at": "m.ts",
            "content_hash": "printf('%064x', m.new_id)",
        },
        "submissions_respondent": {"id": "m.new_id", "email": "'r' || m.new_id || '@example.org'"},
    }
    with connection.cursor() as cursor:
        for model in models_[:4]:
            table = model._meta.db_table
            columns = [f.column for f in model._meta.concrete_fields]
            select = ", ".join(subst[table].get(c, f"x.{c}") for c in columns)
            raw.execute(f"CREATE TEMP TABLE src AS SELECT * FROM {table}")  # noqa: S608
            raw.execute(f"DELETE FROM {table}")  # noqa: S608
            raw.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM idmap m "  # noqa: S608
                "JOIN src x ON x.id = m.old_id ORDER BY m.new_id"
            )
            raw.execute("DROP TABLE temp.src")
            raw.commit() if raw.in_transaction else None
            print(f"  replicated {table} in {time.perf_counter() - t0:.0f}s", flush=True)
        raw.execute("CREATE TEMP TABLE src AS SELECT * FROM publication_contributioncode")
        raw.execute("DELETE FROM publication_contributioncode")
        raw.execute(
            "INSERT INTO publication_contributioncode (id, contribution_id, code) "
            "SELECT row_number() OVER (ORDER BY m.new_id, x.code), m.new_id, x.code FROM src x "
            "JOIN idmap m ON m.old_id = x.contribution_id"
        )
        raw.execute("DROP TABLE temp.src")
        raw.commit() if raw.in_transaction else None
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _name, sql in saved:
            raw.execute(sql)
        index_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        raw.execute(
            f"INSERT INTO {search.FTS_TABLE}(rowid, body) SELECT id, search_document "  # noqa: S608
            "FROM publication_contribution WHERE state = 'published'"
        )
        raw.commit() if raw.in_transaction else None
        fts_s = time.perf_counter() - t0
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("SELECT count(*) FROM publication_contributioncode")
        codes = cursor.fetchone()[0]
    return {
        "replicated": factor,
        "load_s": round(load_s, 1),
        "indexes_s": round(index_s, 1),
        "fts_or_analyze_s": round(fts_s, 1),
        "codes": codes,
        "db_mb": db_size("sqlite"),
    }


def db_size(vendor: str) -> float:
    from django.conf import settings
    from django.db import connection

    if vendor == "sqlite":
        return round(Path(settings.DATABASES["default"]["NAME"]).stat().st_size / 1e6)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return round(cursor.fetchone()[0] / 1e6)


# ----------------------------------------------------------------------------------- scenarios


def scenarios(deep_cursor: str) -> dict[str, dict[str, str]]:
    return {
        "first_page": {},
        "deep_page_50": {"after": deep_cursor},
        "f_stakeholder": {"stakeholder_type": "civil_society"},
        "f_region": {"region": "africa"},
        "f_country": {"country": "__COUNTRY__"},
        "f_country_rare": {"country": "__RARE_COUNTRY__"},
        "f_language": {"language": "fr"},
        "f_two": {"language": "fr", "stakeholder_type": "government"},
        "f_code": {"code": CODE},
        "q_common_date": {"q": COMMON_WORD},
        "q_common_rel": {"q": COMMON_WORD, "sort": "relevance"},
        "q_common_rel_p50": {"q": COMMON_WORD, "sort": "relevance", "after": "980"},
        "q_rare_date": {"q": RARE_WORD},
        "q_rare_rel": {"q": RARE_WORD, "sort": "relevance"},
        "q_zh_date": {"q": CHINESE_WORD},
        "q_zh_rel": {"q": CHINESE_WORD, "sort": "relevance"},
        "q_phrase_date": {"q": PHRASE},
        "q_phrase_rel": {"q": PHRASE, "sort": "relevance"},
        "q_common_lang": {"q": COMMON_WORD, "language": "es"},
        "q_none": {"q": NO_MATCH},
        "q_mid_date": {"q": MID_WORD},
        "q_mid_rel": {"q": MID_WORD, "sort": "relevance"},
        "q_name_date": {"q": MID_NAME},
        "q_name_rel": {"q": MID_NAME, "sort": "relevance"},
    }


def selector_args(params: dict[str, str]) -> dict:
    from consulta.publication.selectors import FILTERS

    return {
        "filters": {k: v for k, v in params.items() if k in FILTERS},
        "query": params.get("q", ""),
        "sort": params.get("sort", "date"),
        "cursor": params.get("after"),
    }


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# one call slower than this is interrupted and the scenario reported as "> 15 s"
PROBE_LIMIT_S = 15.0


def server_cpu_ticks() -> tuple[int, int] | None:
    """(pid, utime+stime clock ticks) of this process's PostgreSQL backend, when it runs on this machine."""
    from django.db import connection

    if connection.vendor != "postgresql" or connection.connection is None:
        return None
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return pid, int(fields[11]) + int(fields[12])


def probe(fn, limit_s: float = PROBE_LIMIT_S) -> float | None:
    """Seconds one call takes, or None when it ran past limit_s (and was interrupted)."""
    import threading

    from django.db import DatabaseError, connection

    connection.ensure_connection()
    if connection.vendor == "sqlite":
        timer = threading.Timer(limit_s, connection.connection.interrupt)
        timer.start()
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(limit_s * 1000)}")
    t = time.perf_counter()
    try:
        fn()
        return time.perf_counter() - t
    except DatabaseError:
        return None
    finally:
        if connection.vendor == "sqlite":
            timer.cancel()
        else:
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")


def reps_for(seconds: float, reps: int) -> int:
    """Full repetitions for anything near the goal; fewer for calls already 5x past it (>1 s)."""
    return reps if seconds <= 1 else min(reps, 10) if seconds <= 3 else min(reps, 3)


def timed(fn, reps: int, warm: int = 3) -> dict:
    for _ in range(warm):
        fn()
    walls, cpus = [], []
    server_ticks, server_ok = 0, True
    hz = os.sysconf("SC_CLK_TCK")
    for _ in range(reps):
        before = server_cpu_ticks()
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - t) * 1000)
        cpus.append((time.process_time() - c) * 1000)
        after = server_cpu_ticks()
        if before and after and before[0] == after[0]:
            server_ticks += after[1] - before[1]
        elif before or after:
            # the connection was replaced mid-call (CONN_MAX_AGE): server CPU unknown
            server_ok = False
    out = {
        "median_ms": round(statistics.median(walls), 1),
        "p95_ms": round(nearest_rank(walls, 0.95), 1),
        "max_ms": round(max(walls), 1),
        "cpu_ms": round(statistics.mean(cpus), 1),
        "reps": reps,
    }
    if server_cpu_ticks() is not None or server_ticks:
        out["pg_cpu_ms"] = round(server_ticks * 1000 / hz / reps, 1) if server_ok else None
    return out


class QueryLog:
    """execute_wrapper recording (sql, params, ms) of every query."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, tuple, float]] = []

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, params, (time.perf_counter() - t) * 1000))


def list_query(log: QueryLog) -> tuple[str, tuple] | None:
    for sql, params, _ms in log.queries:
        if "ORDER BY" in sql and 'FROM "publication_contribution"' in sql and "GROUP BY" not in sql:
            return sql, params
    return None


def explain(vendor: str, sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            rows = cursor.fetchall()
            depth: dict[int, int] = {0: 0}
            lines = []
            for node, parent, _unused, detail in rows:
                depth[node] = depth.get(parent, 0) + 1
                lines.append("  " * (depth[node] - 1) + detail)
            return "\n".join(lines)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(r[0] for r in cursor.fetchall())


def timed_view(client, url: str, reps: int, warm: int = 3) -> dict:
    """Times GET url through the test client, split into contribution_page(), facet_counts() and the rest
    (middleware, call look-up, template), by wrapping the two functions the view calls. (SQLite runs a
    query while rows are fetched, so timing execute() alone would miss most of it.)"""
    from consulta.publication import views

    spent = {"page": 0.0, "facets": 0.0}
    originals = {"page": views.contribution_page, "facets": views.facet_counts}
    parts: dict[str, list[float]] = {"page": [], "facets": [], "rest": []}

    def wrap(key):
        def inner(*a, **k):
            t = time.perf_counter()
            try:
                return originals[key](*a, **k)
            finally:
                spent[key] += (time.perf_counter() - t) * 1000

        return inner

    def call():
        spent.update(page=0.0, facets=0.0)
        t = time.perf_counter()
        response = client.get(url)
        total = (time.perf_counter() - t) * 1000
        assert response.status_code == 200, (url, response.status_code)
        parts["page"].append(spent["page"])
        parts["facets"].append(spent["facets"])
        parts["rest"].append(total - spent["page"] - spent["facets"])

    views.contribution_page, views.facet_counts = wrap("page"), wrap("facets")
    try:
        out = timed(call, reps, warm)
    finally:
        views.contribution_page, views.facet_counts = originals["page"], originals["facets"]
    out["parts"] = {k: round(statistics.median(v[warm:]), 1) for k, v in parts.items()}
    return out


def count_matches(params: dict[str, str]) -> int:
    from consulta.calls.models import Call
    from consulta.publication import search, selectors

    call = Call.objects.get(slug="wsis20")
    args = selector_args(params)
    queryset, _where, _params = selectors._filtered(call, args["filters"])
    if args["query"]:
        terms = search.query_terms(args["query"])
        queryset = queryset.filter(search.match_condition(terms)) if terms else queryset.none()
    return queryset.count()


# Timings beside the scenarios: the filter menus (miss, hit) and the first page, cold and after a change.
EXTRA_TIMINGS = ("facet_counts_miss", "facet_counts", "view_first_page_cold_facets", "view_first_page_after_change")


def run_scenarios(
    vendor: str,
    reps: int,
    only: set[str] | None,
    label: str = "",
) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils.http import urlencode

    from consulta.calls.models import Call
    from consulta.publication import selectors
    from consulta.publication.models import Contribution

    contribution_page = selectors.contribution_page
    call = Call.objects.get(slug="wsis20")
    by_country = list(
        Contribution.objects.filter(call=call)
        .values_list("country")
        .annotate(n=Count("id"))
        .order_by("-n", "country")
    )
    country, rare_country = (
        by_country[9][0],
        by_country[-1][0],
    )  # the 10th most frequent, the least frequent
    # walk 50 pages through the cursor, timing each step
    steps, cursor = [], None
    for _ in range(50):
        t = time.perf_counter()
        page = contribution_page(call=call, cursor=cursor)
        steps.append((time.perf_counter() - t) * 1000)
        if _ < 49:
            cursor = page.next_cursor
    walk = {
        "pages": 50,
        "total_ms": round(sum(steps), 1),
        "median_ms": round(statistics.median(steps), 1),
        "p95_ms": round(nearest_rank(steps, 0.95), 1),
    }
    print(
        f"  walk 50 pages: total {walk['total_ms']} ms, per page median {walk['median_ms']} p95 {walk['p95_ms']}"
    )
    client = Client()
    # The filter menus: what a miss costs (one GROUP BY), a hit, and the first page with a cold cache.
    extra: dict = {}
    seconds = probe(lambda: selectors._count_facets(call), 60) or 60
    extra["facet_counts_miss"] = timed(
        lambda: selectors._count_facets(call), reps_for(seconds, reps), 1 if seconds < 1 else 0
    )
    extra["facet_counts"] = timed(lambda: selectors.facet_counts(call), reps, 3)
    url = f"/en/calls/{call.slug}/contributions/"

    def cold_view():
        selectors.forget_facet_counts(call.pk)
        response = client.get(url)
        assert response.status_code == 200

    extra["view_first_page_cold_facets"] = timed(cold_view, min(reps, 10), 1)

    def view_after_change():
        # A change was just committed: its recount is queued, and the page shows the previous counts.
        selectors.facet_counts_changed(call.pk)
        response = client.get(url)
        assert response.status_code == 200

    extra["view_first_page_after_change"] = timed(view_after_change, reps, 1)
    selectors.facet_counts_recount(call_id=call.pk)  # what the queued task does
    for key in EXTRA_TIMINGS:
        print(f"  {label}{key}: {extra[key]}", flush=True)
    results = {}
    for name, params in scenarios(cursor).items():
        if only and name not in only:
            continue
        params = {
            k: {"__COUNTRY__": country, "__RARE_COUNTRY__": rare_country}.get(v, v)
            for k, v in params.items()
        }
        args = selector_args(params)
        load = round(os.getloadavg()[0], 1)
        url = f"/en/calls/{call.slug}/contributions/" + (
            ("?" + urlencode(params)) if params else ""
        )
        entry = {"params": params, "loadavg": load, "matches": count_matches(params)}
        results[name] = entry
        seconds = probe(lambda args=args: contribution_page(call=call, **args))
        log = QueryLog()
        with connection.execute_wrapper(log):
            try:
                page = contribution_page(call=call, **args) if seconds is not None else None
            except Exception:  # noqa: BLE001
                page = None
        query = list_query(log)
        entry["sql"] = query[0] if query else ""
        entry["plan"] = explain(vendor, *query) if query and seconds is not None else ""
        if seconds is None:
            entry["selector"] = entry["view"] = {"timeout_s": PROBE_LIMIT_S}
            print(
                f"  {label}{name:<18} matches {entry['matches']:>8,}  one call > {PROBE_LIMIT_S:.0f} s: not timed"
            )
            continue
        entry["items"] = len(page.items)
        n = reps_for(seconds, reps)
        warm = 3 if n == reps else 0
        entry["selector"] = timed(lambda args=args: contribution_page(call=call, **args), n, warm)
        t = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        n_view = reps_for(time.perf_counter() - t, reps)
        entry["view"] = timed_view(client, url, n_view, 3 if n_view == reps else 0)
        entry["view_parts"] = entry["view"].pop("parts")
        sel, view = entry["selector"], entry["view"]
        flag = " <-- p95 > 200 ms" if max(sel["p95_ms"], view["p95_ms"]) > 200 else ""
        print(
            f"  {label}{name:<18} matches {entry['matches']:>8,}  selector med {sel['median_ms']:>7.1f} "
            f"p95 {sel['p95_ms']:>7.1f} cpu {sel['cpu_ms']:>6.1f}+{sel.get('pg_cpu_ms', 0)} (n={sel['reps']})"
            f" | view med {view['median_ms']:>7.1f} p95 {view['p95_ms']:>7.1f} cpu {view['cpu_ms']:>6.1f}"
            f"+{view.get('pg_cpu_ms', 0)} (n={view['reps']}) parts {entry['view_parts']}  (load {load}){flag}",
            flush=True,
        )
    return {"walk": walk, "scenarios": results, "country": country, **extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20250314)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--json", help="write the full report (plans included) here")
    parser.add_argument("--keep", action="store_true", help="keep the data directory / database")
    parser.add_argument(
        "--generate-only", action="store_true", help="generate, keep, measure nothing"
    )
    parser.add_argument(
        "--candidates",
        type=int,
        default=None,
        help="override search.CANDIDATES (matches ranked for relevance / listed by id in date order)",
    )
    parser.add_argument(
        "--replicate",
        metavar="FACTOR",
        type=int,
        help="SQLite: with --reuse, scale the reused set up FACTOR times in SQL first (see "
        "replicate_sqlite; the 1M SQLite set was made as 100k x 10 on the loaded shared machine)",
    )
    parser.add_argument(
        "--reuse",
        metavar="DIR[:DBNAME]",
        help="measure a data directory (and database) kept by an earlier --keep run; implies --keep",
    )
    args = parser.parse_args()

    if args.reuse or args.generate_only:
        args.keep = True
    if args.reuse:
        tmp, _sep, dbname = args.reuse.partition(":")
        tmp = Path(tmp)
    else:
        tmp = Path(tempfile.mkdtemp(prefix=f"bench-pub-{args.db}-{args.n}-"))
        dbname = f"bench_pub_{os.getpid()}"
    database_url = None
    if args.db == "postgres":
        if not args.reuse:
            psql(args.pg_url, f"CREATE DATABASE {dbname}")
        database_url = f"{args.pg_url}/{dbname}"
    vendor = "sqlite" if args.db == "sqlite" else "postgresql"
    try:
        setup_django(tmp, database_url)
        if args.reuse:
            from consulta.publication.models import Contribution

            facts = {"reused": args.reuse}
            if args.replicate:
                t = time.perf_counter()
                facts.update(replicate_sqlite(args.replicate))
                facts["total_s"] = round(time.perf_counter() - t, 1)
            facts.update(rows=Contribution.objects.count(), db_mb=db_size(vendor))
            args.n = facts["rows"]
        else:
            t = time.perf_counter()
            facts = generate(args.n, args.seed, vendor)
            facts["total_s"] = round(time.perf_counter() - t, 1)
        print(f"{args.n:,} published contributions: {facts}", flush=True)
        if args.generate_only:
            if args.json:
                Path(args.json).write_text(
                    json.dumps({"generation": facts, "n": args.n, "db": args.db})
                )
            return
        only = set(args.only.split(",")) if args.only else None
        report = {
            "bench": "publication",
            "db": args.db,
            "n": args.n,
            "seed": args.seed,
            "reps": args.reps,
            "generation": facts,
            "cores": os.cpu_count(),
            "python": sys.version.split()[0],
            "loadavg_at_start": round(os.getloadavg()[0], 2),
        }
        if vendor == "postgresql":
            from django.db import connection

            with connection.cursor() as cursor:
                settings_ = {}
                for name in (
                    "server_version",
                    "shared_buffers",
                    "work_mem",
                    "effective_cache_size",
                    "jit",
                    "random_page_cost",
                ):
                    cursor.execute(f"SHOW {name}")
                    settings_[name] = cursor.fetchone()[0]
            report["pg_settings"] = settings_
        else:
            import sqlite3

            report["sqlite_version"] = sqlite3.sqlite_version
        from consulta.publication import search

        if args.candidates:
            search.CANDIDATES = args.candidates
        report["candidates"] = search.CANDIDATES
        report["baseline"] = run_scenarios(vendor, args.reps, only)
        report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        if args.json:
            Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1))
        print_table(report)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
            if args.db == "postgres":
                psql(args.pg_url, f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
        else:
            print(f"kept {tmp}" + (f" and database {dbname}" if args.db == "postgres" else ""))


FILTER_COLUMNS = ("stakeholder_type", "region", "country", "language")


def fmt(timing: dict, key: str) -> str:
    if "timeout_s" in timing:
        return f"**> {timing['timeout_s'] * 1000:.0f}**"
    value = timing[key]
    text = f"{value:,.0f}" if value >= 100 else f"{value:.1f}"
    return f"**{text}**" if key == "p95_ms" and value > 200 else text


def cpu(timing: dict) -> str:
    if "timeout_s" in timing or timing.get("cpu_ms") is None:
        return "–"
    pg = timing.get("pg_cpu_ms")
    return f"{timing['cpu_ms']:.0f}" + (
        f"+{pg:.0f}" if pg is not None else ("+?" if "pg_cpu_ms" in timing else "")
    )


def table(results: dict) -> str:
    lines = [
        "| scenario | matches | selector median | selector p95 | selector CPU | view median | view p95 | view CPU "
        "| view = page + facets + rest (median ms) | n |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for name, r in results.items():
        s, v = r["selector"], r["view"]
        parts = r.get("view_parts")
        split = (
            f"{parts['page']:.0f} + {parts['facets']:.0f} + {parts['rest']:.0f}" if parts else "–"
        )
        reps = f"{s.get('reps', '–')}/{v.get('reps', '–')}"
        lines.append(
            f"| {name} | {r['matches']:,} | {fmt(s, 'median_ms')} | {fmt(s, 'p95_ms')} | {cpu(s)} | "
            f"{fmt(v, 'median_ms')} | {fmt(v, 'p95_ms')} | {cpu(v)} | {split} | {reps} |"
        )
    return "\n".join(lines)


def print_table(report: dict) -> None:
    size = f"{report['n'] // 1000}k" if report["n"] < 1_000_000 else f"{report['n'] // 1_000_000}M"
    print(f"\n### {report['db']}, {size}\n")
    print(table(report["baseline"]["scenarios"]))
    walk = report["baseline"]["walk"] or {"total_ms": "-", "median_ms": "-", "p95_ms": "-"}
    for key in EXTRA_TIMINGS:
        if key in report["baseline"]:
            t = report["baseline"][key]
            if "median_ms" not in t:
                print(f"\n{key}: {t}")
                continue
            print(
                f"\n{key}: median {t['median_ms']} ms, p95 {t['p95_ms']} ms, CPU {cpu(t)} ms, n={t['reps']}"
                + (f", parts {t['parts']}" if "parts" in t else "")
            )
    print(
        f"\nwalk of 50 pages (selector): total {walk['total_ms']} ms, per page median {walk['median_ms']} "
        f"p95 {walk['p95_ms']}"
    )


if __name__ == "__main__":
    main()
