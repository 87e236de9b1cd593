"""Fixtures shared by the whole suite. Data is built through the real services."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from vip.accounts.models import User
from vip.accounts.services import user_create
from vip.configuration.services import profile_load
from vip.core.config import ProgramConfig, forget_program_header, program_config

# Security row 19: after the suite, the log of the run is scanned for secrets and case content.
pytest_plugins = ["vip.core.logscan"]


@pytest.fixture(autouse=True)
def _fresh_program_header() -> None:
    """Each test starts without the per-process copy of the program header (a rolled-back
    test's program must not show in the next one)."""
    forget_program_header()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: allauth counts sign-ins per address there (30 a
    minute), and the suite signs in from one address far more often than a person would."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def program(db: None) -> ProgramConfig:
    """The default (Albuquerque) program profile, loaded as an operator would."""
    profile_load(actor=None, name="albuquerque")
    return program_config()


def _user_maker() -> Callable[..., User]:
    """A maker of staff accounts named role1, role2, ..."""
    counter = {"n": 0}

    def make(role: str, username: str | None = None, *, second_factor: bool = True) -> User:
        """A staff account; enrolled in TOTP (as every account must be) unless told otherwise."""
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        counter["n"] += 1
        user = user_create(
            actor=None,
            username=username or f"{role}{counter['n']}",
            role=role,
            password="a long enough passphrase for tests",
        )
        if second_factor:
            TOTP.activate(user, generate_totp_secret())
        return user

    return make


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    return _user_maker()


@pytest.fixture(scope="session")
def user_maker() -> Callable[[], Callable[..., User]]:
    """For a fixture of a wider scope that builds its data once: ``user_maker()`` is a maker of
    staff accounts like ``make_user`` (call it only where the fixture has database access)."""
    return _user_maker


@pytest.fixture
def write_bundle(tmp_path: Path) -> Callable[..., Path]:
    """Write a bundle folder from ``{file name: text or rows}``; returns its path."""
    counter = {"n": 0}

    def write(files: dict[str, str | bytes | list[list[str]]], name: str | None = None) -> Path:
        counter["n"] += 1
        folder = tmp_path / (name or f"bundle{counter['n']}")
        folder.mkdir()
        for file_name, content in files.items():
            path = folder / file_name
            if isinstance(content, bytes):
                path.write_bytes(content)
            elif isinstance(content, str):
                path.write_text(content, encoding="utf-8")
            else:
                buffer = io.StringIO()
                csv.writer(buffer).writerows(content)
                path.write_text(buffer.getvalue(), encoding="utf-8")
        return folder

    return write
