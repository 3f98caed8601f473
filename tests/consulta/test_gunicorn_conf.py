"""The gunicorn settings: sized to the machine, preloaded, and loud about bad values."""

import importlib
import multiprocessing

import pytest


def load(monkeypatch, **env):
    for name in ("CONSULTA_BIND", "CONSULTA_WORKERS", "CONSULTA_WORKER_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import consulta.gunicorn_conf as conf

    return importlib.reload(conf)


def test_it_runs_two_sync_workers_per_core_plus_one_preloaded(monkeypatch):
    conf = load(monkeypatch)
    assert conf.workers == 2 * multiprocessing.cpu_count() + 1
    assert conf.worker_class == "sync" and conf.preload_app is True
    assert conf.bind == "127.0.0.1:8001"


def test_it_takes_workers_and_address_from_the_environment(monkeypatch):
    conf = load(monkeypatch, CONSULTA_WORKERS="3", CONSULTA_BIND="0.0.0.0:9000")
    assert conf.workers == 3 and conf.bind == "0.0.0.0:9000"


@pytest.mark.parametrize("value", ["many", "0", "-2"])
def test_it_stops_with_a_message_naming_a_bad_worker_count(monkeypatch, value):
    with pytest.raises(SystemExit) as stopped:
        load(monkeypatch, CONSULTA_WORKERS=value)
    assert "CONSULTA_WORKERS" in str(stopped.value)
