"""The fault run: the deadline-rush load while gunicorn is killed with SIGKILL and restarted.

    .venv/bin/python bench/bench_fault.py                    # 200 users, 45 s, kills at 10, 20, 30 s
    .venv/bin/python bench/bench_fault.py --kill-every 10 --kills 3 --duration 45

Goal: zero acknowledged submissions lost. Same server set-up and client as bench_deadline_rush.py
(fresh PostgreSQL database, practice call, CONSULTA_PROFILE=development, DEBUG=false,
RATELIMIT_ENABLE=false, loopback only). A kill is `killpg(SIGKILL)` of gunicorn's process group, master
and every worker at once, mid-request; gunicorn is started again at once on the same port.

The client records every acknowledged reference: a 302 from the confirmation to
/submissions/<reference>/receipt/<n>/, and the content fingerprint that the receipt page shows. A
request cut by a kill (connection refused or reset; not a timeout, which may still be running) is
sent again once the server is back (--confirm-retries tries, 1 s apart), as a person would reload or submit again; a
confirmation is re-sent with the SAME idempotency key, which must give the same receipt and never a
second version. A flow whose re-sends run out counts as failed (not acknowledged).
Afterwards, in the database:
  - every acknowledged (reference, n) exists, its content_hash equals the receipt's, and
    SubmissionVersion.recompute_hash() equals the stored hash          -> otherwise counted "lost"
  - no submission of the run has more than one version (idempotency)   -> "duplicates"
  - submissions stored but never acknowledged (committed, answer lost in the kill) are counted
  - submitted versions with no receipt task queued (the receipt is enqueued on commit) are counted
Prints a summary and one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from bench_deadline_rush import (
    Server,
    Stats,
    add_common_args,
    machine_facts,
    print_table,
    run_load,
    summary,
    warm_up,
)


def verify(server: Server, stats: Stats, since: datetime) -> dict:
    """Check every acknowledged reference in the database (in-process Django on the run's DB)."""
    os.environ.update(server.env)
    import django

    django.setup()
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from consulta.submissions.models import Submission, SubmissionVersion

    lost, hash_mismatch, recompute_mismatch, not_current, no_hash_on_receipt = [], [], [], [], []
    for (reference, number), receipt_hash in sorted(stats.acknowledged.items()):
        version = (
            SubmissionVersion.objects.select_related("submission")
            .filter(submission__reference=reference, number=number)
            .first()
        )
        if version is None:
            lost.append(reference)
            continue
        if not receipt_hash:
            no_hash_on_receipt.append(reference)
        elif version.content_hash != receipt_hash:
            hash_mismatch.append(reference)
        if version.recompute_hash() != version.content_hash:
            recompute_mismatch.append(reference)
        if version.submission.current_version_id != version.pk:
            not_current.append(reference)

    run = Submission.objects.filter(first_submitted_at__gte=since, status="submitted")
    stored = run.count()
    acknowledged_refs = {ref for ref, _ in stats.acknowledged}
    stored_refs = set(run.values_list("reference", flat=True))
    duplicates = (
        SubmissionVersion.objects.filter(submission__in=run)
        .values("submission")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    queued = {
        (row.get("args") or [None])[0]
        for row in DBTaskResult.objects.filter(task_path__endswith="send_receipt").values_list(
            "args_kwargs", flat=True
        )
    }
    version_ids = set(
        SubmissionVersion.objects.filter(submission__in=run).values_list("pk", flat=True)
    )
    drafts_left = Submission.objects.filter(created_at__gte=since, status="draft").count()
    return {
        "acknowledged": len(stats.acknowledged),
        "lost": len(lost) + len(hash_mismatch),
        "lost_missing": lost[:20],
        "lost_hash_mismatch": hash_mismatch[:20],
        "recompute_mismatch": len(recompute_mismatch),
        "not_current_version": len(not_current),
        "acknowledged_without_receipt_hash": len(no_hash_on_receipt),
        "stored_submitted": stored,
        "stored_not_acknowledged": len(stored_refs - acknowledged_refs),
        "duplicates": duplicates,
        "versions_without_receipt_task": len(version_ids - queued),
        "drafts_left": drafts_left,
    }


async def killer(server: Server, opts, events: list, start: float) -> None:
    """SIGKILL gunicorn every opts.kill_every seconds, opts.kills times, restarting it at once."""
    loop = asyncio.get_running_loop()
    for k in range(1, opts.kills + 1):
        await asyncio.sleep(max(0.0, start + k * opts.kill_every - time.monotonic()))
        t_kill = time.monotonic()
        server.kill()
        await loop.run_in_executor(None, lambda: server.start(wait=False))
        await loop.run_in_executor(None, server.wait_ready)
        listening = time.monotonic() - t_kill
        # Listening is not serving: the new workers still boot. Probe a cheap page until it answers.
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as probe:
            while True:
                try:
                    async with probe.get(f"{server.url}/en/") as resp:
                        if resp.status == 200:
                            break
                except (TimeoutError, aiohttp.ClientError):
                    await asyncio.sleep(0.1)
        events.append(
            {
                "kill_at_s": round(t_kill - start, 1),
                "listening_again_after_s": round(listening, 2),
                "serving_again_after_s": round(time.monotonic() - t_kill, 2),
            }
        )
        print(
            f"kill {k} at {t_kill - start:.1f}s: listening again after {listening:.2f} s, "
            f"serving after {events[-1]['serving_again_after_s']} s",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_args(parser, duration=45)
    parser.add_argument("--kill-every", type=float, default=10.0)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument(
        "--confirm-retries",
        type=int,
        default=60,
        help="re-sends of a request cut by a kill, 1 s apart (a confirmation keeps its key)",
    )
    parser.set_defaults(request_timeout=120.0, grace=60.0)
    opts = parser.parse_args()
    opts.fault = False
    server = Server(opts, "fault")
    try:
        server.prepare()
        server.start()
        warm = warm_up(server, opts)
        opts.fault = True
        since = datetime.now(UTC)
        stats = Stats()
        events: list = []
        before = machine_facts()
        elapsed = asyncio.run(
            run_load(
                stats, server.url, opts, on_tick=lambda start: killer(server, opts, events, start)
            )
        )
        report = summary(stats, elapsed)
        checks = verify(server, stats, since)
        report.update(
            bench="fault",
            users=opts.users,
            gunicorn=" ".join(server.gunicorn_cmd()[1:]),
            kills=events,
            warmup=warm,
            attempted=stats.flows_started,
            flows_hit_by_kill=stats.flows_hit_conn,
            failed_connection=stats.flows_failed_conn,
            failed_timeout=stats.flows_failed_timeout,
            resends_by_step=stats.resends,
            acknowledged_after_resend=stats.ack_by_retry,
            db_worker=False,
            machine_before=before,
            machine_after=machine_facts(),
            **checks,
        )
        print_table(report)
        print(
            f"attempted {report['attempted']}, acknowledged {checks['acknowledged']} "
            f"({stats.ack_by_retry} after re-sending the same key), flows hit by a kill "
            f"{stats.flows_hit_conn}, failed (not acknowledged) on connection errors "
            f"{stats.flows_failed_conn}, timed out {stats.flows_failed_timeout}, cancelled at the end "
            f"{stats.flows_cancelled}, LOST {checks['lost']} (goal 0), hash recompute mismatches "
            f"{checks['recompute_mismatch']}, duplicates {checks['duplicates']}, stored but not "
            f"acknowledged {checks['stored_not_acknowledged']}, versions without a queued receipt "
            f"{checks['versions_without_receipt_task']}"
        )
        print(json.dumps(report))
        if opts.json:
            Path(opts.json).write_text(json.dumps(report, indent=1))
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        server.cleanup(opts.keep)


if __name__ == "__main__":
    main()
