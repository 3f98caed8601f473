"""CPU per step of one respondent's flow, in-process: what each page costs the server, without a network.

    .venv/bin/python bench/bench_form_cpu.py [--flows 40] [--db sqlite|postgres] [--profile]

The five steps of the deadline rush (form, answer, review, confirm, receipt; see bench_deadline_rush.py)
through Django's test client with CSRF checks on, against a fresh data directory (SQLite) or a fresh
PostgreSQL database, on the open practice call. 5 warm-up flows, then --flows timed ones; prints the
median process CPU per step in ms and their sum (the CPU one submission costs). Rate limits are off (every
flow comes from one address). To compare with an older tree, run it with PYTHONPATH=<that tree>/src.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

STEPS = ("form", "answer", "review", "confirm", "receipt")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=40)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--seed", type=int, default=20250314)
    parser.add_argument("--profile", action="store_true", help="print the 40 costliest functions")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="bench-form-cpu-")
    os.environ.update(
        CONSULTA_DATA_DIR=data_dir,
        DJANGO_SETTINGS_MODULE="consulta.settings",
        DEBUG="false",
        RATELIMIT_ENABLE="false",
        LOG_LEVEL="WARNING",
    )
    dbname = f"bench_form_{os.getpid()}"
    if args.db == "postgres":
        subprocess.run(["psql", f"{args.pg_url}/postgres", "-qc", f"CREATE DATABASE {dbname}"], check=True)
        os.environ["DATABASE_URL"] = f"{args.pg_url}/{dbname}"
    else:
        os.environ.pop("DATABASE_URL", None)
    try:
        report = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if args.db == "postgres":
            subprocess.run(
                ["psql", f"{args.pg_url}/postgres", "-qc", f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)"],
                check=True,
            )
    print(json.dumps(report))


def run(args) -> dict:
    import django

    django.setup()
    from bench_deadline_rush import BASE_RE, CSRF_RE, KEY_RE, answer_set
    from django.core.management import call_command
    from django.test import Client

    from consulta.calls.seeding import call_seed

    call_command("migrate", verbosity=0)
    call_seed(slug="practice")
    rng = random.Random(args.seed)
    spent: dict[str, list[float]] = {step: [] for step in STEPS}

    def timed(step, fn):
        started = time.process_time()
        response = fn()
        spent[step].append((time.process_time() - started) * 1000)
        return response

    def flow(n: int) -> None:
        client = Client(enforce_csrf_checks=True)
        url = "/en/calls/practice/respond/"
        response = timed("form", lambda: client.get(url))
        assert response.status_code == 200, response.status_code
        data = answer_set(rng, n) | {
            "csrfmiddlewaretoken": CSRF_RE.search(response.content.decode()).group(1),
            "action": "review",
        }
        response = timed("answer", lambda: client.post(url, data))
        assert response.status_code == 302, response.status_code
        response = timed("review", lambda: client.get(response["Location"]))
        body = response.content.decode()
        confirm = {
            "csrfmiddlewaretoken": CSRF_RE.search(body).group(1),
            "idempotency_key": KEY_RE.search(body).group(1),
            "base_version": BASE_RE.search(body).group(1),
        }
        response = timed("confirm", lambda: client.post("/en/calls/practice/respond/review/", confirm))
        assert response.status_code == 302, response.status_code
        response = timed("receipt", lambda: client.get(response["Location"]))
        assert response.status_code == 200, response.status_code

    for n in range(5):
        flow(n)
    for values in spent.values():
        values.clear()
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    for n in range(5, 5 + args.flows):
        flow(n)
    if profiler:
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    medians = {step: round(statistics.median(values), 1) for step, values in spent.items()}
    report = {
        "bench": "form_cpu",
        "db": args.db,
        "flows": args.flows,
        "cpu_ms_median": medians,
        "cpu_ms_per_submission": round(sum(medians.values()), 1),
        "loadavg": round(os.getloadavg()[0], 2),
    }
    print(
        " | ".join(f"{step} {ms:.1f}" for step, ms in medians.items())
        + f" | one submission {report['cpu_ms_per_submission']:.1f} ms CPU (median per step, {args.flows} flows)",
        file=sys.stderr,
    )
    return report


if __name__ == "__main__":
    main()
