"""Settings per environment: production refuses to start half-configured."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("VIP_")}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings.prod", **env},
        capture_output=True,
        text=True,
        check=False,
    )


# Encryption keys (row 20): production needs them like the secret key.
KEYS = {
    "VIP_FIELD_KEYS": "dGVzdC1vbmx5LWZpZWxkLWtleS0xLTAxMjM0NTY3ODk=",
    "VIP_BLIND_INDEX_KEY": "dGVzdC1vbmx5LWJsaW5kLWluZGV4LWtleTAxMjM0NTY=",
}


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = _run({"VIP_ALLOWED_HOSTS": "vip.example.org", **KEYS})
    assert result.returncode != 0
    assert "VIP_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts() -> None:
    result = _run({"VIP_SECRET_KEY": "x" * 60, **KEYS})
    assert result.returncode != 0
    assert "VIP_ALLOWED_HOSTS must list" in result.stderr


@pytest.mark.parametrize(
    "keys",
    [
        {},
        {"VIP_FIELD_KEYS": KEYS["VIP_FIELD_KEYS"]},
        {"VIP_BLIND_INDEX_KEY": KEYS["VIP_BLIND_INDEX_KEY"]},
        {**KEYS, "VIP_FIELD_KEYS": "not-a-key"},
        {"VIP_FIELD_KEY_FILE": "/nonexistent/field.keys", "VIP_BLIND_INDEX_KEY": KEYS["VIP_BLIND_INDEX_KEY"]},
    ],
)
def test_row_20_production_refuses_to_start_without_encryption_keys(keys: dict[str, str]) -> None:
    result = _run({"VIP_SECRET_KEY": "x" * 60, "VIP_ALLOWED_HOSTS": "vip.example.org", **keys})
    assert result.returncode != 0
    assert "Encryption keys are required in production" in result.stderr


def test_row_20_production_reads_keys_from_key_files(tmp_path) -> None:
    (tmp_path / "field.keys").write_text("# newest first\n" + KEYS["VIP_FIELD_KEYS"] + "\n")
    (tmp_path / "blind.key").write_text(KEYS["VIP_BLIND_INDEX_KEY"] + "\n")
    files = {
        "VIP_FIELD_KEY_FILE": str(tmp_path / "field.keys"),
        "VIP_BLIND_INDEX_KEY_FILE": str(tmp_path / "blind.key"),
    }
    result = _run({"VIP_SECRET_KEY": "x" * 60, "VIP_ALLOWED_HOSTS": "vip.example.org", **files})
    assert result.returncode == 0, result.stderr


def test_production_starts_with_both_and_debug_off() -> None:
    result = _run({"VIP_SECRET_KEY": "x" * 60, "VIP_ALLOWED_HOSTS": "vip.example.org", **KEYS})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("sqlite:////tmp/x.sqlite3", "django.db.backends.sqlite3"),
        ("postgres://vip@db.internal:5432/vip", "django.db.backends.postgresql"),
    ],
)
def test_database_url_picks_the_engine(url: str, engine: str, monkeypatch) -> None:
    from config.settings.base import database_from_env

    monkeypatch.setenv("DATABASE_URL", url)
    assert database_from_env("sqlite:///unused")["ENGINE"] == engine


def test_default_database_is_sqlite_under_var(monkeypatch) -> None:
    from config.settings.base import BASE_DIR, database_from_env

    monkeypatch.delenv("DATABASE_URL", raising=False)
    db = database_from_env(f"sqlite:///{BASE_DIR / 'var' / 'vip.sqlite3'}")
    assert db["NAME"] == str(BASE_DIR / "var" / "vip.sqlite3")


def test_custom_user_model() -> None:
    from django.conf import settings

    assert settings.AUTH_USER_MODEL == "accounts.User"
