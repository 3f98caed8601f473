"""The deadline rush: concurrent submitters against gunicorn on PostgreSQL, loopback only.

    .venv/bin/python bench/bench_deadline_rush.py                       # 200 users, 60 s, 5 sync workers
    .venv/bin/python bench/bench_deadline_rush.py --worker-class gthread --workers 5 --threads 4
    .venv/bin/python bench/bench_deadline_rush.py --users 200 --think 5  # users pause between steps

Goal: p99 <= 300 ms per step, no errors. The script creates a fresh PostgreSQL database
(bench_rush_<pid>), migrates it, seeds the open practice call (`consulta seed practice`), starts
gunicorn on 127.0.0.1 with CONSULTA_PROFILE=development, DEBUG=false, RATELIMIT_ENABLE=false (every
virtual user comes from 127.0.0.1, so the per-IP limits would block the test), and drops the database
afterwards. Receipts are enqueued in the database (django-tasks-db); no worker runs unless --db-worker.

Each virtual user loops for the duration, each loop a new respondent with a fresh cookie jar:
  1 form      GET  /en/calls/practice/respond/
  2 answer    POST the complete answer set, multipart, action=review      -> 302 to the review page
  3 review    GET  /en/calls/practice/respond/review/
  4 confirm   POST idempotency_key + base_version                        -> 302 /submissions/R/receipt/1/
  5 receipt   GET  the receipt page (its content fingerprint is kept)
The client is asyncio + aiohttp in one process on the same machine as the server (it shares the CPUs).
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import LANGS, NAMES, ORGS, STAKEHOLDERS, answer_text  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SLUG = "practice"
STEPS = ("form", "answer", "review", "confirm", "receipt")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY_RE = re.compile(r'name="idempotency_key" value="([0-9a-f-]{36})"')
BASE_RE = re.compile(r'name="base_version" value="(\d+)"')
HASH_RE = re.compile(r'<code class="hash">([0-9a-f]{64})</code>')
RECEIPT_RE = re.compile(r"/submissions/([A-Z0-9-]+)/receipt/(\d+)/$")
# A few country codes (all UN members) for the form; the import bench covers the full list.
COUNTRIES = ("SN", "FR", "BR", "CN", "RU", "EG", "IN", "KE", "MX", "DE", "JP", "AR", "SA", "CH")


# ----------------------------------------------------------------------------------- server


class Server:
    """A fresh PostgreSQL database, migrated and seeded, and gunicorn on 127.0.0.1:port."""

    def __init__(self, args: argparse.Namespace, tag: str) -> None:
        self.args = args
        self.dbname = f"bench_{tag}_{os.getpid()}"
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"bench-{tag}-"))
        self.url = f"http://127.0.0.1:{args.port}"
        self.proc: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.starts = 0
        self.env = dict(
            os.environ,
            CONSULTA_PROFILE="development",
            DEBUG="false",
            RATELIMIT_ENABLE="false",
            CONSULTA_DATA_DIR=str(self.data_dir),
            DATABASE_URL=f"{args.pg_url}/{self.dbname}",
            LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="consulta.settings",
        )

    def psql(self, sql: str) -> None:
        subprocess.run(
            ["psql", f"{self.args.pg_url}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],
            check=True,
        )

    def prepare(self) -> None:
        self.psql(f"CREATE DATABASE {self.dbname}")
        consulta = str(VENV_BIN / "consulta")
        subprocess.run([consulta, "migrate", "-v", "0"], env=self.env, check=True, cwd=ROOT)
        subprocess.run([consulta, "seed", SLUG], env=self.env, check=True, cwd=ROOT)

    def gunicorn_cmd(self) -> list[str]:
        a = self.args
        cmd = [
            str(VENV_BIN / "gunicorn"),
            "--config",
            "python:consulta.gunicorn_conf",  # the product's settings (preloaded sync workers)
            "consulta.wsgi",
            "--bind",
            f"127.0.0.1:{a.port}",
            "--workers",
            str(a.workers),
            "--worker-class",
            a.worker_class,
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ]
        if a.worker_class == "gthread":
            cmd += ["--threads", str(a.threads)]
        if a.preload:
            cmd.append("--preload")
        return cmd

    def start(self, wait: bool = True) -> float:
        t = time.perf_counter()
        log = open(self.data_dir / "gunicorn.log", "ab")  # noqa: SIM115 (the child keeps it)
        self.proc = subprocess.Popen(
            self.gunicorn_cmd(),
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: one killpg reaches master and workers
        )
        self.starts += 1
        if wait:
            self.wait_ready()
        return time.perf_counter() - t

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.args.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("gunicorn did not start; see " + str(self.data_dir / "gunicorn.log"))

    def kill(self) -> None:
        """SIGKILL the whole process group: master and every worker, mid-request."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.worker and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGTERM)
            self.worker.wait(timeout=20)

    def start_db_worker(self) -> None:
        log = open(self.data_dir / "db_worker.log", "ab")  # noqa: SIM115 (the child keeps it)
        self.worker = subprocess.Popen(
            [str(VENV_BIN / "consulta"), "db_worker"],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def sql_scalar(self, sql: str) -> str:
        out = subprocess.run(
            ["psql", f"{self.args.pg_url}/{self.dbname}", "-tAc", sql],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()

    def cpu_snapshot(self) -> dict[str, dict[int, float]]:
        """CPU seconds so far of gunicorn's processes and of PostgreSQL's backends for this DB."""
        tick = os.sysconf("SC_CLK_TCK")

        def cpu(pid: int) -> tuple[int, float] | None:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return None
            return int(fields[2]), (int(fields[11]) + int(fields[12])) / tick  # pgrp, utime+stime

        app = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and self.proc is not None:
                got = cpu(int(entry.name))
                if got and got[0] == self.proc.pid:
                    app[int(entry.name)] = got[1]
        pids = self.sql_scalar(
            f"select string_agg(pid::text, ',') from pg_stat_activity where datname = '{self.dbname}'"
        )
        db = {}
        for pid in filter(None, pids.split(",")):
            got = cpu(int(pid))
            if got:
                db[int(pid)] = got[1]
        return {"app": app, "db": db}

    @staticmethod
    def cpu_delta(before: dict, after: dict) -> dict[str, float]:
        return {
            part: round(sum(v - before[part].get(pid, 0.0) for pid, v in after[part].items()), 1)
            for part in ("app", "db")
        }

    def cleanup(self, keep: bool = False) -> None:
        self.stop()
        if keep:
            print(f"kept {self.data_dir} and database {self.dbname}")
            return
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.psql(f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")


# ----------------------------------------------------------------------------------- client


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    errors: dict[str, dict[str, int]] = field(default_factory=lambda: {s: {} for s in STEPS})
    flows_started: int = 0
    flows_done: int = 0
    flow_times: list[float] = field(default_factory=list)
    # fault run: every acknowledged (reference, version number) -> receipt hash ("" until read)
    acknowledged: dict[tuple[str, int], str] = field(default_factory=dict)
    ack_by_retry: int = 0
    flows_failed_conn: int = 0
    flows_hit_conn: int = 0
    flows_cancelled: int = 0
    flows_failed_timeout: int = 0
    resends: dict[str, int] = field(default_factory=dict)
    failed_at: dict[str, int] = field(default_factory=dict)

    def error(self, step: str, kind: str) -> None:
        self.errors[step][kind] = self.errors[step].get(kind, 0) + 1


class FlowError(Exception):
    def __init__(self, step: str, kind: str, connection: bool = False):
        super().__init__(f"{step}: {kind}")
        self.step, self.kind, self.connection = step, kind, connection


def answer_set(rng: random.Random, n: int) -> dict[str, str]:
    language = rng.choice(LANGS)
    behalf = rng.random() < 0.5
    data = {
        "name": rng.choice(NAMES[language]),
        "email": f"rush{n}-{uuid.uuid4().hex[:8]}@example.org",
        "organisation": ORGS[language] if behalf else "",
        "on_behalf_of_organisation": "yes" if behalf else "no",
        "stakeholder_type": rng.choice(STAKEHOLDERS),
        "country": rng.choice(COUNTRIES),
        "language": language,
        "achievements_challenges": answer_text(rng, language),
        "consent": rng.choice(("publish_named", "publish_anonymous", "private")),
    }
    for key in ("alignment_2030", "emerging_trends", "beyond_2025", "action_lines_review"):
        if rng.random() < 0.6:
            data[key] = answer_text(rng, language)
    return data


CONNECTION_ERRORS = (
    aiohttp.ClientConnectionError,
    aiohttp.ServerDisconnectedError,
    ConnectionError,
    asyncio.TimeoutError,
)


async def timed(
    stats: Stats, step: str, session: aiohttp.ClientSession, method: str, url: str, **kw
):
    t = time.perf_counter()
    try:
        async with session.request(method, url, allow_redirects=False, **kw) as resp:
            body = await resp.text()
            status, location = resp.status, resp.headers.get("Location", "")
    except CONNECTION_ERRORS as exc:
        stats.error(step, type(exc).__name__)
        session.conn_errors = getattr(session, "conn_errors", 0) + 1
        # A timeout is not re-sent: the request may still be queued or running on the server.
        timeout = isinstance(exc, asyncio.TimeoutError)
        raise FlowError(step, type(exc).__name__, connection=not timeout) from None
    stats.latencies[step].append(time.perf_counter() - t)
    return status, location, body


def expect(stats: Stats, step: str, status: int, wanted: int) -> None:
    if status != wanted:
        stats.error(step, f"HTTP {status}")
        raise FlowError(step, f"HTTP {status}")


async def send(stats, step, session, method, url, opts, make_kw=dict):
    """One request; in the fault run, re-sent (1 s apart) while the connection fails, as a person
    would press reload or submit again. ``make_kw`` builds the body anew for each try."""
    tries = 1 + (opts.confirm_retries if opts.fault else 0)
    for attempt in range(tries):
        try:
            return (*await timed(stats, step, session, method, url, **make_kw()), attempt)
        except FlowError as exc:
            if not exc.connection or attempt == tries - 1:
                raise
            stats.resends[step] = stats.resends.get(step, 0) + 1
            await asyncio.sleep(1.0)
    raise AssertionError("unreachable")


async def flow(stats: Stats, session: aiohttp.ClientSession, base: str, rng, n: int, opts) -> None:
    """One respondent from the empty form to the receipt. Raises FlowError on the first failure."""
    respond = f"{base}/en/calls/{SLUG}/respond/"
    think = opts.think

    async def pause():
        if think:
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    status, _, body, _ = await send(stats, "form", session, "GET", respond, opts)
    expect(stats, "form", status, 200)
    token = CSRF_RE.search(body).group(1)
    await pause()

    answers = answer_set(rng, n)

    def multipart():
        form = aiohttp.FormData(default_to_multipart=True)
        for key, value in answers.items():
            form.add_field(key, value)
        form.add_field("csrfmiddlewaretoken", token)
        form.add_field("action", "review")
        return {"data": form}

    status, location, _, _ = await send(stats, "answer", session, "POST", respond, opts, multipart)
    expect(stats, "answer", status, 302)
    if not location.endswith("/respond/review/"):
        stats.error("answer", "redirected elsewhere")
        raise FlowError("answer", "redirected elsewhere")
    await pause()

    status, _, body, _ = await send(stats, "review", session, "GET", base + location, opts)
    expect(stats, "review", status, 200)
    token = CSRF_RE.search(body).group(1)
    key = KEY_RE.search(body).group(1)
    base_version = BASE_RE.search(body).group(1)
    await pause()

    confirm = {"csrfmiddlewaretoken": token, "idempotency_key": key, "base_version": base_version}
    status, location, _, resent = await send(
        stats,
        "confirm",
        session,
        "POST",
        base + f"/en/calls/{SLUG}/respond/review/",
        opts,
        lambda: {"data": dict(confirm)},
    )
    expect(stats, "confirm", status, 302)
    match = RECEIPT_RE.search(location)
    if not match:
        stats.error("confirm", "not a receipt URL")
        raise FlowError("confirm", "not a receipt URL")
    ack = (match.group(1), int(match.group(2)))
    stats.acknowledged[ack] = ""
    if resent:
        stats.ack_by_retry += 1

    status, _, body, _ = await send(stats, "receipt", session, "GET", base + location, opts)
    expect(stats, "receipt", status, 200)
    found = HASH_RE.search(body)
    if not found:
        stats.error("receipt", "no hash on the page")
        raise FlowError("receipt", "no hash on the page")
    stats.acknowledged[ack] = found.group(1)


async def virtual_user(stats: Stats, base: str, vu: int, stop_at: float, opts) -> None:
    rng = random.Random(opts.seed * 1000 + vu)
    timeout = aiohttp.ClientTimeout(total=opts.request_timeout)
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies for 127.0.0.1
    connector = aiohttp.TCPConnector(limit=1, force_close=opts.worker_class == "sync")
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=timeout, connector=connector) as s:
        n = 0
        while time.monotonic() < stop_at:
            jar.clear()
            n += 1
            stats.flows_started += 1
            t = time.perf_counter()
            s.conn_errors = 0
            try:
                await flow(stats, s, base, rng, vu * 100000 + n, opts)
            except FlowError as exc:
                stats.flows_hit_conn += 1 if s.conn_errors else 0
                stats.failed_at[exc.step] = stats.failed_at.get(exc.step, 0) + 1
                if exc.kind == "TimeoutError":
                    stats.flows_failed_timeout += 1
                if exc.connection:
                    stats.flows_failed_conn += 1
                    await asyncio.sleep(0.2)  # do not spin while the server is down
                continue
            except Exception as exc:  # a page without the expected form, etc.
                stats.error("form", type(exc).__name__)
                stats.failed_at["other"] = stats.failed_at.get("other", 0) + 1
                continue
            stats.flows_hit_conn += 1 if s.conn_errors else 0
            stats.flows_done += 1
            stats.flow_times.append(time.perf_counter() - t)


async def run_load(stats: Stats, base: str, opts, on_tick=None) -> float:
    """Start opts.users virtual users at opts.spawn_rate per second; run until opts.duration."""
    start = time.monotonic()
    stop_at = start + opts.duration
    tasks = []
    ticker = asyncio.create_task(on_tick(start)) if on_tick else None
    for vu in range(opts.users):
        tasks.append(asyncio.create_task(virtual_user(stats, base, vu, stop_at, opts)))
        if opts.spawn_rate and (vu + 1) % opts.spawn_rate == 0:
            await asyncio.sleep(1.0)
    # Bounded: flows still running `grace` seconds after the end are cancelled and counted.
    _, pending = await asyncio.wait(
        tasks, timeout=max(0.0, stop_at + opts.grace - time.monotonic())
    )
    for task in pending:
        task.cancel()
    stats.flows_cancelled = len(pending)
    await asyncio.gather(*pending, return_exceptions=True)
    if ticker:
        await ticker
    return time.monotonic() - start


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def summary(stats: Stats, elapsed: float) -> dict:
    steps = {}
    every = []
    for step in STEPS:
        lat = stats.latencies[step]
        every += lat
        steps[step] = {
            "n": len(lat),
            "rps": round(len(lat) / elapsed, 1),
            "median_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
            "p95_ms": round(pct(lat, 95) * 1000, 1) if lat else None,
            "p99_ms": round(pct(lat, 99) * 1000, 1) if lat else None,
            "max_ms": round(max(lat) * 1000, 1) if lat else None,
            "errors": stats.errors[step],
        }
    return {
        "elapsed_s": round(elapsed, 1),
        "flows_started": stats.flows_started,
        "flows_done": stats.flows_done,
        "flows_cancelled_at_end": stats.flows_cancelled,
        "flows_failed_timeout": stats.flows_failed_timeout,
        "submissions_per_s": round(stats.flows_done / elapsed, 2),
        "requests": len(every),
        "requests_per_s": round(len(every) / elapsed, 1),
        "all_median_ms": round(statistics.median(every) * 1000, 1) if every else None,
        "all_p99_ms": round(pct(every, 99) * 1000, 1) if every else None,
        "flow_median_s": round(statistics.median(stats.flow_times), 2)
        if stats.flow_times
        else None,
        "flow_p99_s": round(pct(stats.flow_times, 99), 2) if stats.flow_times else None,
        "errors_total": sum(sum(e.values()) for e in stats.errors.values()),
        "failed_at": stats.failed_at,
        "steps": steps,
    }


def print_table(report: dict) -> None:
    print(
        f"{'step':<9}{'n':>7}{'req/s':>8}{'median ms':>11}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}  errors"
    )
    for step, s in report["steps"].items():
        print(
            f"{step:<9}{s['n']:>7}{s['rps']:>8}{s['median_ms'] or 0:>11}{s['p95_ms'] or 0:>9}"
            f"{s['p99_ms'] or 0:>9}{s['max_ms'] or 0:>9}  {s['errors'] or ''}"
        )
    print(
        f"all: {report['requests']} requests, {report['requests_per_s']} req/s, median "
        f"{report['all_median_ms']} ms, p99 {report['all_p99_ms']} ms; {report['flows_done']} "
        f"submissions ({report['submissions_per_s']}/s), flow median {report['flow_median_s']} s, "
        f"p99 {report['flow_p99_s']} s; errors {report['errors_total']}; flows cancelled at the "
        f"end {report['flows_cancelled_at_end']}"
    )


def add_common_args(parser: argparse.ArgumentParser, *, duration: int) -> None:
    cores = os.cpu_count() or 1
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=int, default=50, help="users started per second")
    parser.add_argument("--duration", type=float, default=duration, help="seconds of load")
    parser.add_argument(
        "--grace", type=float, default=20.0, help="seconds after --duration before cancelling"
    )
    parser.add_argument("--think", type=float, default=0.0, help="mean pause between steps, s")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--workers", type=int, default=2 * cores + 1)
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--preload", action="store_true", help="gunicorn --preload")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--request-timeout", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=20250314)
    parser.add_argument(
        "--warmup",
        type=float,
        default=10.0,
        help="seconds of unmeasured load first (2 users per worker): each worker's first requests "
        "load templates and translations and take seconds",
    )
    parser.add_argument("--db-worker", action="store_true", help="run `consulta db_worker` too")
    parser.add_argument("--keep", action="store_true", help="keep the database and data dir")
    parser.add_argument("--json", metavar="FILE", help="also write the JSON report here")


def warm_up(server: Server, opts) -> dict:
    if not opts.warmup:
        return {}
    warm = argparse.Namespace(**vars(opts))
    warm.users, warm.spawn_rate, warm.duration = 2 * opts.workers, 0, opts.warmup
    stats = Stats()
    elapsed = asyncio.run(run_load(stats, server.url, warm))
    report = summary(stats, elapsed)
    print(
        f"warm-up: {warm.users} users for {opts.warmup:.0f} s, {report['flows_done']} submissions, "
        f"first-request max {report['steps']['form']['max_ms']} ms, errors {report['errors_total']}"
    )
    return {
        "users": warm.users,
        "s": opts.warmup,
        "flows": report["flows_done"],
        "form_max_ms": report["steps"]["form"]["max_ms"],
        "errors": report["errors_total"],
    }


def machine_facts() -> dict:
    return {"cores": os.cpu_count(), "loadavg": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_args(parser, duration=60)
    opts = parser.parse_args()
    opts.fault = False
    server = Server(opts, "rush")
    try:
        server.prepare()
        if opts.db_worker:
            server.start_db_worker()
        server.start()
        warm = warm_up(server, opts)
        before = machine_facts()
        stats = Stats()
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        server_cpu0 = server.cpu_snapshot()
        elapsed = asyncio.run(run_load(stats, server.url, opts))
        server_cpu = server.cpu_delta(server_cpu0, server.cpu_snapshot())
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        report = summary(stats, elapsed)
        client_cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
        per_flow = (server_cpu["app"] + server_cpu["db"]) / max(1, stats.flows_done)
        # Capacity from the CPU per request (cancelled flows make "per submission" too high).
        per_request = (server_cpu["app"] + server_cpu["db"]) / max(1, report["requests"])
        per_flow_est = per_request * len(STEPS)
        cores = os.cpu_count() or 1
        report.update(
            bench="deadline_rush",
            users=opts.users,
            spawn_rate=opts.spawn_rate,
            think_s=opts.think,
            gunicorn=" ".join(server.gunicorn_cmd()[1:]),
            db_worker=opts.db_worker,
            warmup=warm,
            client_cpu_s=round(client_cpu, 1),
            server_cpu_s=server_cpu,
            server_cpu_ms_per_submission=round(per_flow * 1000, 1),
            server_cpu_ms_per_request=round(
                (server_cpu["app"] + server_cpu["db"]) * 1000 / max(1, report["requests"]), 1
            ),
            # what the run got of the machine (others share it), and what 2 idle cores would allow
            server_share_of_cores=round(
                (server_cpu["app"] + server_cpu["db"]) / (elapsed * cores), 2
            ),
            capacity_submissions_per_s_if_cores_idle=round(cores / per_flow_est, 1)
            if per_flow_est
            else None,
            stored_submitted_incl_warmup=int(
                server.sql_scalar(
                    "select count(*) from submissions_submission where status='submitted'"
                )
            ),
            tasks_queued_incl_warmup=int(
                server.sql_scalar("select count(*) from django_tasks_database_dbtaskresult")
            ),
            machine_before=before,
            machine_after=machine_facts(),
        )
        print_table(report)
        print(
            f"server CPU: app {server_cpu['app']} s + PostgreSQL {server_cpu['db']} s = "
            f"{report['server_cpu_ms_per_request']} ms per request, "
            f"{report['server_cpu_ms_per_submission']} ms per completed submission; the run got "
            f"{report['server_share_of_cores']:.0%} of {cores} cores (client {client_cpu:.1f} s); "
            f"{cores} idle cores would allow ~{report['capacity_submissions_per_s_if_cores_idle']} "
            "submissions/s"
        )
        print(json.dumps(report))
        if opts.json:
            Path(opts.json).write_text(json.dumps(report, indent=1))
    finally:
        server.cleanup(opts.keep)


if __name__ == "__main__":
    main()
