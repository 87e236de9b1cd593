"""Logging filters that keep person data and case content out of the logs (security row 19).

- ``WithoutQueryString``: the development server's access log (logger ``django.server``)
  prints the request line; a search's query string holds names, so it is cut off.
- ``WithoutExceptionText``: an unhandled error is logged with its traceback (file, line,
  function) and the exception's type, but not its message, which can quote data (a
  database error's ``DETAIL: Key (name)=(...)``, a validation message with a value).
- ``WithoutRequest``: Django attaches the request to 4xx/5xx records; a handler that
  formats it (an e-mail handler, a structured formatter) would copy headers and bodies.
"""

from __future__ import annotations

import logging
import traceback


def _strip_query(text: str) -> str:
    if "?" not in text:
        return text
    head, _, rest = text.partition("?")
    # Keep the protocol at the end of a request line ("GET /x?q=a HTTP/1.1").
    tail = rest.rsplit(" ", 1)[1] if " " in rest else ""
    return f"{head}?… {tail}".rstrip() if tail.startswith("HTTP/") else f"{head}?…"


class WithoutQueryString(logging.Filter):
    # The access logs: Django's development server, and gunicorn's should one be configured.
    ACCESS_LOGGERS = ("django.server", "gunicorn.access")

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self.ACCESS_LOGGERS):
            return True
        if isinstance(record.args, tuple):
            record.args = tuple(_strip_query(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = _strip_query(record.msg)
        if hasattr(record, "request"):
            record.request = None
        return True


class WithoutExceptionText(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, tb = record.exc_info
            frames = "".join(traceback.format_tb(tb))
            record.exc_text = (
                f"Traceback (most recent call last):\n{frames}{kind.__module__}.{kind.__qualname__} (message withheld)"
            )
            record.exc_info = None
        if hasattr(record, "request"):
            record.request = None
        return True
