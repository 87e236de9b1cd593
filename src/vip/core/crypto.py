"""Encryption at rest of case content, and keyed blind indexes.

Free-text case content (case notes, needs, visit notes, legal assessments,
health and substance-use service details, outcome notes) is stored encrypted in
:class:`EncryptedTextField` columns. A stored value reads::

    v1:<key id>:<base64url(nonce | AES-256-GCM ciphertext and tag)>

``v1`` is the format version; the key id (8 hex digits of a hash of the key)
names the key that encrypted it, so decryption needs no trial and rotation can
find, in SQL, the values not yet under the newest key. The additional
authenticated data is the column's name (``casework.casenote.text``): a value
copied into another column does not decrypt. An empty value is stored empty
(whether a note was written is not secret; what it says is).

Keys live outside the database: ``VIP_FIELD_KEYS`` (comma-separated, newest
first) or the file named by ``VIP_FIELD_KEY_FILE`` (one key a line, newest
first). The newest key encrypts; every listed key decrypts. The blind-index key
(``VIP_BLIND_INDEX_KEY`` or ``VIP_BLIND_INDEX_KEY_FILE``) is separate: a value
that must be matched without being decrypted gets an HMAC-SHA256 of it under
that key (:func:`blind_index`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.signals import setting_changed

FORMAT = "v1"
_NONCE = 12


class FieldKeyError(Exception):
    """A key is missing, malformed, or a value was encrypted under a key no longer configured."""


def generate_key() -> str:
    """A new random 256-bit key, as text (URL-safe base64)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def parse_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise FieldKeyError("a key is not valid base64 (make one with `vip keys generate`)") from exc
    if len(raw) != 32:
        raise FieldKeyError("a key must be 32 bytes in URL-safe base64 (make one with `vip keys generate`)")
    return raw


def key_id(raw: bytes) -> str:
    return hashlib.sha256(b"vip-field-key-id:" + raw).hexdigest()[:8]


def read_key_file(path: Path) -> list[str]:
    """The keys of a key file: one a line, newest first; blank lines and # comments ignored."""
    lines = path.read_text(encoding="ascii").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def write_key_file(path: Path, keys: Iterable[str], comment: str) -> None:
    """Write ``keys`` to ``path`` readable by its owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(f"# {comment}\n")
        for key in keys:
            handle.write(key + "\n")
    tmp.chmod(0o600)
    tmp.replace(path)


class Keyring:
    """The field keys: the first encrypts, all decrypt."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise FieldKeyError(
                "no field encryption key: set VIP_FIELD_KEYS or VIP_FIELD_KEY_FILE (`vip keys generate`)"
            )
        raw = [parse_key(k) for k in keys]
        self.ids = [key_id(r) for r in raw]
        if len(set(self.ids)) != len(self.ids):
            raise FieldKeyError("the same field key is listed twice")
        self._ciphers = {i: AESGCM(r) for i, r in zip(self.ids, raw, strict=True)}
        self.newest_id = self.ids[0]
        self._newest = self._ciphers[self.newest_id]
        self._prefix = f"{FORMAT}:{self.newest_id}:"

    @property
    def newest_prefix(self) -> str:
        return self._prefix

    def encrypt(self, plaintext: str, aad: bytes) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._newest.encrypt(nonce, plaintext.encode("utf-8"), aad)
        return self._prefix + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str, aad: bytes) -> str:
        version, kid, body = _split(token)
        if version != FORMAT:
            raise FieldKeyError(f"unknown encrypted value format {version!r}")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise FieldKeyError(f"a value is encrypted under key {kid}, which is not among the configured field keys")
        raw = base64.urlsafe_b64decode(body)
        try:
            return cipher.decrypt(raw[:_NONCE], raw[_NONCE:], aad).decode("utf-8")
        except InvalidTag as exc:
            raise FieldKeyError(
                f"an encrypted value of {aad.decode()} does not authenticate (altered or moved)"
            ) from exc


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split(":", 2)
    if len(parts) != 3:
        raise FieldKeyError("a value in an encrypted column is not encrypted")
    return parts[0], parts[1], parts[2]


def is_encrypted(value: str) -> bool:
    return value.startswith(FORMAT + ":")


# Read once per process: {"ring": Keyring, "blind": bytes}.
_cache: dict[str, Any] = {}


def key_from_settings_values(keys: Any, path: str) -> list[str]:
    """The keys given directly (a list, or comma-separated text), else those of the key file."""
    if isinstance(keys, str):
        keys = keys.split(",")
    given = [str(k).strip() for k in keys or [] if str(k).strip()]
    if given:
        return given
    if path and Path(path).exists():
        return read_key_file(Path(path))
    return []


def _configured(list_setting: str, file_setting: str) -> list[str]:

    return key_from_settings_values(getattr(settings, list_setting, None), getattr(settings, file_setting, "") or "")


def keyring() -> Keyring:
    """The configured field keys (read once per process; a settings change resets it)."""
    ring = _cache.get("ring")
    if ring is None:
        ring = _cache["ring"] = Keyring(_configured("VIP_FIELD_KEYS", "VIP_FIELD_KEY_FILE"))
    return ring


def blind_index_key() -> bytes:
    key = _cache.get("blind")
    if key is None:
        keys = _configured("VIP_BLIND_INDEX_KEY", "VIP_BLIND_INDEX_KEY_FILE")
        if not keys:
            raise FieldKeyError("no blind-index key: set VIP_BLIND_INDEX_KEY or VIP_BLIND_INDEX_KEY_FILE")
        key = _cache["blind"] = parse_key(keys[0])
    return key


def blind_index(value: str, purpose: str) -> str:
    """A keyed, deterministic fingerprint of ``value`` for matching without decrypting.

    HMAC-SHA256 under the blind-index key (never a field key), separated by
    ``purpose`` so that equal values of two different columns do not match.
    """
    message = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
    return hmac.new(blind_index_key(), message, hashlib.sha256).hexdigest()


class Pseudonyms:
    """Keyed pseudonyms under a key made for one export, held in memory only, never stored: the
    same record gets the same pseudonym within the export and unrelated ones in two exports
    (security row 42)."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def __call__(self, kind: str, record_id: Any) -> str:
        if record_id is None:
            return ""
        digest = hmac.new(self._key, f"{kind}\x1f{record_id}".encode(), hashlib.sha256).hexdigest()
        return f"{kind[:1].upper()}{digest[:20]}"


def forget_keys() -> None:
    """Read the keys again on next use (after a settings change or a key file edit)."""
    _cache.clear()


def ensure_key_files() -> list[Path]:
    """Create the key files the settings name, if absent (development and the demo).

    Only when the keys are not given directly in the environment. Returns the
    files created.
    """

    created = []
    for list_setting, file_setting, what in (
        ("VIP_FIELD_KEYS", "VIP_FIELD_KEY_FILE", "vip field encryption keys, newest first"),
        ("VIP_BLIND_INDEX_KEY", "VIP_BLIND_INDEX_KEY_FILE", "vip blind-index key"),
    ):
        if getattr(settings, list_setting, None):
            continue
        path = getattr(settings, file_setting, "") or ""
        if path and not Path(path).exists():
            write_key_file(Path(path), [generate_key()], what)
            created.append(Path(path))
    if created:
        forget_keys()
    return created


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith(("VIP_FIELD_KEY", "VIP_BLIND_INDEX_KEY")):
        forget_keys()


def connect_signals() -> None:

    setting_changed.connect(_settings_changed, dispatch_uid="vip.core.crypto.settings_changed")
