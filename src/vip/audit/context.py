"""Where an action comes from: the request (web) or the command line."""

from __future__ import annotations

import contextvars
import getpass
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    source_address: str
    request_id: str


_origin: contextvars.ContextVar[Origin | None] = contextvars.ContextVar("vip_origin", default=None)


def current_origin() -> Origin:
    origin = _origin.get()
    if origin is None:
        # Outside a request: the command line on this host.
        return Origin(source_address=f"cli:{_local_user()}@{socket.gethostname()}", request_id="")
    return origin


@contextmanager
def origin(source_address: str, request_id: str | None = None) -> Iterator[Origin]:
    value = Origin(source_address=source_address, request_id=request_id or uuid.uuid4().hex)
    token = _origin.set(value)
    try:
        yield value
    finally:
        _origin.reset(token)


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
