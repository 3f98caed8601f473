"""gunicorn settings for Consulta: ``gunicorn -c python:consulta.gunicorn_conf consulta.wsgi``.

The app is CPU-bound (PostgreSQL was 2–6 % of the server's CPU in the deadline-rush benchmark), so
sync workers, about two per core, serve it best; threads did not help. ``preload_app`` imports Django
once in the master, so a worker restarted after a crash serves within a fraction of a second instead
of importing everything again. Every value can be overridden with the usual GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise SystemExit(f"{name} must be at least 1, not {value}")
    return value


bind = os.environ.get("CONSULTA_BIND", "127.0.0.1:8001")
workers = _int("CONSULTA_WORKERS", 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
preload_app = True
# A request still running after this is stuck: the worker is replaced, the client gets 502 and, for a
# confirmation, re-sends with the same idempotency key, which never makes a second submission.
timeout = _int("CONSULTA_WORKER_TIMEOUT", 30)
graceful_timeout = 30
# Recycle workers now and then, staggered, so that no slow leak grows for weeks.
max_requests = 5000
max_requests_jitter = 500
backlog = 2048
accesslog = os.environ.get("CONSULTA_ACCESS_LOG") or None
