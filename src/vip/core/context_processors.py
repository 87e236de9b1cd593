from __future__ import annotations

from django.http import HttpRequest

from vip.core.models import ProgramProfile


def program(request: HttpRequest) -> dict[str, object]:
    """The program's name and web address for every page's header and footer."""
    return {"program_profile": ProgramProfile.objects.order_by("pk").first()}
