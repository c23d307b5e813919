import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import Env, database_settings, email_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", ["maybe", "2", "tru"])
def test_bool_refuses_what_it_cannot_read(value):
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        Env({"DEBUG": value}).bool("DEBUG", False)


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("on", True), ("False", False), ("", False)])
def test_bool_reads_the_usual_spellings(value, expected):
    assert Env({"X": value}).bool("X") is expected


def test_int_refuses_text_and_values_below_the_minimum():
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        Env({"N": "ten"}).int("N")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        Env({"N": "-5"}).int("N", minimum=0)
    assert Env({"N": " 42 "}).int("N") == 42


def test_missing_required_variable_names_it():
    with pytest.raises(ImproperlyConfigured, match="SECRET_THING"):
        Env({}).str("SECRET_THING")


def test_url_scheme_is_checked():
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        Env({"REDIS_URL": "http://x"}).url("REDIS_URL", schemes=("redis",))


def test_email_url_variants(tmp_path):
    smtp = email_settings("smtp+tls://user:p%40ss@mail.example.jp:587", base_dir=tmp_path)
    assert smtp["EMAIL_HOST"] == "mail.example.jp"
    assert smtp["EMAIL_PORT"] == 587
    assert smtp["EMAIL_USE_TLS"] is True
    assert smtp["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert smtp["EMAIL_BACKEND"] == "core.mail.SmtpBackend"
    files = email_settings("file://var/mail", base_dir=tmp_path)
    assert files["EMAIL_FILE_PATH"] == str(tmp_path / "var/mail")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        email_settings("pigeon://coop", base_dir=tmp_path)


def test_database_url_variants(tmp_path):
    pg = database_settings("postgres://postgres@127.0.0.1:5432/tsunagu", base_dir=tmp_path)
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert pg["NAME"] == "tsunagu"
    sqlite = database_settings("sqlite:///var/db.sqlite3", base_dir=tmp_path)
    assert sqlite["ENGINE"] == "django.db.backends.sqlite3"
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_settings("mysql://root@localhost/x", base_dir=tmp_path)


def _production_env(tmp_path, **extra):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "TSUNAGU_VAR_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "tsunagu.example.jp",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "sqlite:///var/db.sqlite3"),
        "SITE_URL": "https://tsunagu.example.jp",
    }
    env.update(extra)
    return env


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_development_generates_and_keeps_a_secret_key(tmp_path):
    env = _production_env(tmp_path, DEBUG="1")
    cmd = [
        sys.executable,
        "-c",
        "import django;django.setup();from django.conf import settings;print(settings.SECRET_KEY)",
    ]
    first = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    assert first == second
    assert len(first.strip()) >= 50
    assert (tmp_path / "secret_key").exists()


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(tmp_path, SECRET_KEY="x" * 30 + "-production-secret-" + "y" * 30),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "value",
    [
        "sato@example.jp",
        "Tsunagu <noreply@tsunagu.example.jp>",
        "草加 花子 <hanako@example.jp>",
        "a.b+c@sub.example.jp",
    ],
)
def test_mail_address_fast_path_matches_django(value):
    from django.core.mail.message import sanitize_address

    from core.mail import address

    assert address(value, "utf-8") == sanitize_address(value, "utf-8")
