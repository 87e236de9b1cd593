"""`vip serve --production` refuses to start half-configured, with a message that says what is
missing; and the production-only options are refused without --production."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from vip.cli import main

ROOT = Path(__file__).resolve().parents[2]
VIP = str(Path(sys.executable).parent / "vip")


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _complete(tmp_path: Path) -> dict[str, str]:
    """A production environment with everything it needs (its database is never reached)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIP_", "DJANGO_"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "VIP_SECRET_KEY": secrets.token_urlsafe(60),
        "VIP_ALLOWED_HOSTS": "vip.example.org",
        "VIP_FIELD_KEYS": _key(),
        "VIP_BLIND_INDEX_KEY": _key(),
        "VIP_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'never-made.sqlite3'}",
    }


def _serve(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [VIP, "serve", "--production", "--port", "9", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"VIP_SECRET_KEY": None}, "VIP_SECRET_KEY must be set"),
        ({"VIP_ALLOWED_HOSTS": None}, "VIP_ALLOWED_HOSTS must list"),
        ({"VIP_FIELD_KEYS": None}, "Encryption keys are required"),
        ({"VIP_FIELD_KEYS": "not-a-key"}, "Encryption keys are required"),
        # Settings other than config.settings.prod without keys: refused by the command itself.
        ({"DJANGO_SETTINGS_MODULE": "config.settings.dev", "VIP_FIELD_KEYS": None}, "encryption keys are required"),
        # The development settings: debug on, a known secret key, cookies not Secure.
        ({"DJANGO_SETTINGS_MODULE": "config.settings.dev", "VIP_DEBUG": "1"}, "DEBUG is on"),
        ({"DJANGO_SETTINGS_MODULE": "config.settings.dev", "VIP_SECRET_KEY": None}, "VIP_SECRET_KEY must be set"),
        ({"DJANGO_SETTINGS_MODULE": "config.settings.dev"}, "cookies are not marked Secure"),
    ],
)
def test_serve_production_refuses_to_start_half_configured(tmp_path: Path, change: dict, message: str) -> None:
    env = _complete(tmp_path)
    for name, value in change.items():
        if value is None:
            env.pop(name)
        else:
            env[name] = value
    result = _serve(env)
    assert result.returncode == 1, result.stderr
    assert "refusing to start" in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "never-made.sqlite3").exists()  # refused before touching the database


def test_serve_production_refuses_a_database_that_is_not_set_up(tmp_path: Path) -> None:
    env = _complete(tmp_path) | {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    result = _serve(env, "--host", "0.0.0.0")  # noqa: S104
    assert result.returncode == 1
    assert "run `vip setup` first" in result.stderr, result.stderr
    # Listening beyond loopback is allowed, with a warning: only the proxy may reach the server.
    assert "Warning: listening on 0.0.0.0, not loopback" in result.stderr


def test_production_options_need_production() -> None:
    for args in (["--workers", "3"], ["--threads", "4"], ["--timeout", "90"], ["--access-log"], ["--proxy-protocol"]):
        result = CliRunner().invoke(main, ["serve", *args])
        assert result.exit_code == 2, args
        assert f"{args[0]}: only with --production" in result.output, args


def test_first_keys_are_made_without_settings(tmp_path: Path) -> None:
    """A production server's first keys are made before it can start: --print needs no settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIP_", "DJANGO_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.prod"}  # incomplete: would refuse to load
    keys = [
        subprocess.run(  # noqa: S603
            [VIP, "keys", "generate", "--print"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert keys[0] != keys[1]
    assert all(len(base64.urlsafe_b64decode(key)) == 32 for key in keys)


def test_a_former_secret_key_is_kept_while_rotating(tmp_path: Path) -> None:
    env = _complete(tmp_path) | {"VIP_SECRET_KEY_FALLBACKS": "former-key-one, former-key-two"}
    probe = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "['former-key-one', 'former-key-two']"
