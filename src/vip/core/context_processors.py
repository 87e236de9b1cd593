from __future__ import annotations

from django.http import HttpRequest

from vip.core.config import program_header


def program(request: HttpRequest) -> dict[str, object]:
    """The program's name and web address for every page's header and footer."""
    return {"program_profile": program_header()}
