"""Start-up configuration: bad values stop the program with a message naming the variable."""

import os
import secrets
import subprocess
import sys

import pytest

CONSULTA = [sys.executable, "-m", "consulta.cli"]


def run_consulta(tmp_path, *args, **env):
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY"}}
    base.update(
        {"CONSULTA_DATA_DIR": str(tmp_path), "PYTHONPATH": os.pathsep.join(sys.path)}, **env
    )
    return subprocess.run([*CONSULTA, *args], capture_output=True, text=True, env=base, timeout=120)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be a boolean"),
        ("TIME_ZONE", "Mars/Olympus_Mons", "TIME_ZONE must be an IANA time zone"),
        ("CONSULTA_PROFILE", "staging", "CONSULTA_PROFILE must be one of development, production"),
        ("DATABASE_URL", "nosuchdb://host/name", "DATABASE_URL"),
        ("EMAIL_URL", "pigeon://loft", "EMAIL_URL"),
        ("SECURE_HSTS_SECONDS", "-1", None),  # only read in production: ignored here
    ],
)
def test_it_stops_with_a_message_naming_the_bad_variable(tmp_path, variable, value, message):
    result = run_consulta(tmp_path, "check", **{variable: value})
    if message is None:
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_it_refuses_production_without_a_secret_key_or_hosts(tmp_path):
    result = run_consulta(tmp_path, "check", CONSULTA_PROFILE="production")
    assert result.returncode == 2 and "SECRET_KEY is required in production" in result.stderr
    result = run_consulta(
        tmp_path, "check", CONSULTA_PROFILE="production", SECRET_KEY=secrets.token_urlsafe(60)
    )
    assert result.returncode == 2 and "ALLOWED_HOSTS is required in production" in result.stderr
    result = run_consulta(
        tmp_path,
        "check",
        CONSULTA_PROFILE="production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="consulta.example.org",
        EMAIL_URL="smtp://mail.example.org",
        CONSULTA_BASE_URL="http://consulta.example.org",
    )
    assert result.returncode == 2 and "CONSULTA_BASE_URL" in result.stderr


def test_it_passes_the_deployment_checklist_in_the_production_profile(tmp_path):
    result = run_consulta(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        CONSULTA_PROFILE="production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="consulta.example.org",
        EMAIL_URL="smtp://mailer:secret@mail.example.org:587/?tls=True",
        CONSULTA_BASE_URL="https://consulta.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_keeps_a_development_secret_key_in_the_data_directory(tmp_path):
    assert run_consulta(tmp_path, "check").returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert run_consulta(tmp_path, "check").returncode == 0
    assert (tmp_path / "secret_key").read_text() == key
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_it_uses_sqlite_in_wal_mode_by_default(tmp_path):
    result = run_consulta(
        tmp_path,
        "shell",
        "--no-imports",
        "-c",
        "from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode');"
        " print(connection.vendor, c.fetchone()[0])",
    )
    assert result.stdout.split() == ["sqlite", "wal"], result.stderr
    assert (tmp_path / "consulta.sqlite3").exists()
