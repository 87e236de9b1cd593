from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest

from vip.accounts.middleware import idle_seconds_left


def session_limits(request: HttpRequest) -> dict[str, object]:
    """Seconds left before the idle limit, and how long before it the page warns (vip.js), for
    every signed-in page (body data attributes: no inline script)."""
    left = idle_seconds_left(request)
    if left is None:
        return {"session_idle_seconds": None}
    warn = int(settings.VIP_SESSION_WARNING_SECONDS)
    return {
        "session_idle_seconds": left,
        "session_idle_limit": int(settings.VIP_SESSION_IDLE_MINUTES) * 60,
        "session_warning_seconds": warn,
        "session_warning_minutes": max(1, math.ceil(warn / 60)),
    }
