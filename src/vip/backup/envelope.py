"""The encrypted backup file: a stream of authenticated chunks (AES-256-GCM), nothing in clear.

Layout (format version 1)::

    MAGIC (9 bytes) | version (1 byte) | salt (16 bytes) | key check (32 bytes)
    then records: length (4 bytes, big-endian) | ciphertext of that length

The file key is derived from the backup key with HKDF-SHA256 and the file's random salt, so no
two backups share a key. Each record is encrypted with AES-256-GCM under a nonce made of its
sequence number and a "last record" flag, with the file header as associated data (the STREAM
construction): records cannot be altered, reordered, dropped, or cut off at the end without the
reader noticing. The first record is the manifest (JSON), then come the database's bytes, and the
last record is the seal (JSON: the size and SHA-256 of the database's bytes).

The key check lets the reader tell a wrong key (refused before anything is decrypted) from a
damaged file (a record that does not authenticate). It is an HKDF output, not the key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"VIPBACKUP"
FORMAT_VERSION = 1
CHUNK = 1024 * 1024  # plaintext bytes per record
_HEADER = struct.Struct(">9sB16s32s")
_LENGTH = struct.Struct(">I")
_TAG = 16
KEY_BYTES = 32
KEY_HELP = (
    "Generate a key with `vip backup --generate-key` and keep it outside the database server and "
    "away from the backups (a password manager, a key vault): set VIP_BACKUP_KEY to it, or "
    "VIP_BACKUP_KEY_FILE to the path of a file holding it. Without it no backup can be read."
)


class BackupError(Exception):
    """A backup cannot be written or read; the message says why and what to do."""


class WrongKeyError(BackupError):
    pass


class TamperedError(BackupError):
    pass


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def parse_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError) as exc:
        raise BackupError(f"the backup key is not valid base64. {KEY_HELP}") from exc
    if len(key) != KEY_BYTES:
        raise BackupError(f"the backup key must be {KEY_BYTES} bytes (base64), not {len(key)}. {KEY_HELP}")
    return key


def key_from_environment(environ: dict[str, str] | None = None) -> bytes:
    """The backup key from VIP_BACKUP_KEY or the file named by VIP_BACKUP_KEY_FILE; refuses without one."""
    env = os.environ if environ is None else environ
    if env.get("VIP_BACKUP_KEY"):
        return parse_key(env["VIP_BACKUP_KEY"])
    if env.get("VIP_BACKUP_KEY_FILE"):
        path = Path(env["VIP_BACKUP_KEY_FILE"])
        try:
            return parse_key(path.read_text(encoding="ascii"))
        except OSError as exc:
            raise BackupError(f"cannot read the backup key file {path}: {exc.strerror}. {KEY_HELP}") from exc
    raise BackupError(f"no backup key: neither VIP_BACKUP_KEY nor VIP_BACKUP_KEY_FILE is set. {KEY_HELP}")


def _derive(key: bytes, salt: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"vip-backup-v1 " + purpose).derive(key)


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class Writer:
    """Writes one encrypted backup: ``manifest``, then ``write`` the database's bytes, then ``close``."""

    def __init__(self, out: IO[bytes], key: bytes, manifest: dict[str, Any]) -> None:
        salt = os.urandom(16)
        self._header = _HEADER.pack(MAGIC, FORMAT_VERSION, salt, _derive(key, salt, b"key check"))
        self._aead = AESGCM(_derive(key, salt, b"file key"))
        self._out = out
        self._counter = 0
        self._buffer = bytearray()
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.manifest = manifest
        out.write(self._header)
        self._record(json.dumps(manifest, sort_keys=True).encode(), last=False)

    def _record(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._counter, last), plain, self._header)
        self._counter += 1
        self._out.write(_LENGTH.pack(len(sealed)) + sealed)

    def write(self, data: bytes) -> None:
        self.sha256.update(data)
        self.size += len(data)
        self._buffer += data
        while len(self._buffer) >= CHUNK:
            self._record(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]

    def close(self) -> dict[str, Any]:
        if self._buffer:
            self._record(bytes(self._buffer), last=False)
            self._buffer.clear()
        seal = {"bytes": self.size, "sha256": self.sha256.hexdigest()}
        self._record(json.dumps(seal, sort_keys=True).encode(), last=True)
        return seal


class Reader:
    """Reads an encrypted backup: ``manifest`` at once, ``chunks()`` yields the database's bytes.

    ``chunks()`` raises TamperedError at the first record that does not authenticate, or at the
    end when the seal is missing or does not match; callers write nothing they cannot undo until
    it has finished (see services.backup_verify).
    """

    def __init__(self, stream: IO[bytes], key: bytes) -> None:
        self._in = stream
        header = stream.read(_HEADER.size)
        if len(header) < _HEADER.size or not header.startswith(MAGIC):
            raise BackupError("this is not a vip backup file (its first bytes are not a vip backup header)")
        _magic, version, salt, check = _HEADER.unpack(header)
        if version != FORMAT_VERSION:
            raise BackupError(
                f"this backup is in file format {version}; this version of vip reads format {FORMAT_VERSION}"
            )
        if _derive(key, salt, b"key check") != check:
            raise WrongKeyError(
                "wrong backup key: this backup was encrypted with another key (VIP_BACKUP_KEY / VIP_BACKUP_KEY_FILE)"
            )
        self._header = header
        self._aead = AESGCM(_derive(key, salt, b"file key"))
        self._counter = 0
        self._next = self._read_record()
        if self._next is None or self._next[1]:
            raise TamperedError("the backup file is damaged or was altered: its manifest is missing")
        try:
            self.manifest: dict[str, Any] = json.loads(self._next[0])
        except ValueError as exc:
            raise TamperedError("the backup file is damaged: its manifest is not readable") from exc
        self._next = self._read_record()
        self.seal: dict[str, Any] | None = None

    def _read_record(self) -> tuple[bytes, bool] | None:
        raw = self._in.read(_LENGTH.size)
        if not raw:
            return None
        if len(raw) < _LENGTH.size:
            raise TamperedError("the backup file is damaged or was altered: it ends in the middle of a record")
        (length,) = _LENGTH.unpack(raw)
        if length > CHUNK + _TAG or length < _TAG:
            raise TamperedError(f"the backup file is damaged or was altered: record {self._counter} has a bad length")
        sealed = self._in.read(length)
        if len(sealed) < length:
            raise TamperedError("the backup file is damaged or was altered: it ends in the middle of a record")
        for last in (False, True):
            try:
                plain = self._aead.decrypt(_nonce(self._counter, last), sealed, self._header)
            except InvalidTag:
                continue
            self._counter += 1
            return plain, last
        raise TamperedError(f"the backup file is damaged or was altered: record {self._counter} does not authenticate")

    def chunks(self) -> Iterator[bytes]:
        digest = hashlib.sha256()
        size = 0
        while self._next is not None:
            plain, last = self._next
            if last:
                seal = json.loads(plain)
                if self._in.read(1):
                    raise TamperedError("the backup file was altered: there are bytes after its last record")
                if seal != {"bytes": size, "sha256": digest.hexdigest()}:
                    raise TamperedError("the backup file was altered: its content does not match its seal")
                self.seal = seal
                return
            digest.update(plain)
            size += len(plain)
            yield plain
            self._next = self._read_record()
        raise TamperedError("the backup file is incomplete: it was cut off before its last record")
