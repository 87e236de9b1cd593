"""Where an action comes from: the request (web) or the command line; and what a request has
recorded so far."""

from __future__ import annotations

import contextvars
import getpass
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


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


@dataclass
class Ledger:
    """What one request has put on the audit trail so far, and what it is about: the person pages'
    one-event rule (vip.audit.middleware, security row 36) reads it at the end of the request."""

    # The events recorded while the request ran: (id, known to be committed).
    recorded: list[tuple[int, bool]] = field(default_factory=list)
    # The record the page resolved for its reader (vip.audit.reads.record_or_404).
    record: Any = None

    def note(self, event_id: int, *, committed: bool = False) -> None:
        self.recorded.append((event_id, committed))


_ledger: contextvars.ContextVar[Ledger | None] = contextvars.ContextVar("vip_audit_ledger", default=None)


def current_ledger() -> Ledger | None:
    """The running request's ledger (None outside a request: the command line, a test's direct call)."""
    return _ledger.get()


@contextmanager
def request_ledger() -> Iterator[Ledger]:
    value = Ledger()
    token = _ledger.set(value)
    try:
        yield value
    finally:
        _ledger.reset(token)
