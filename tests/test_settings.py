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


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = _run({"VIP_ALLOWED_HOSTS": "vip.example.org"})
    assert result.returncode != 0
    assert "VIP_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts() -> None:
    result = _run({"VIP_SECRET_KEY": "x" * 60})
    assert result.returncode != 0
    assert "VIP_ALLOWED_HOSTS must list" in result.stderr


def test_production_starts_with_both_and_debug_off() -> None:
    result = _run({"VIP_SECRET_KEY": "x" * 60, "VIP_ALLOWED_HOSTS": "vip.example.org"})
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
