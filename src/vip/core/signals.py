"""Keep the per-process copy of the program header in step with saves made in this process."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from vip.core.config import forget_program_header
from vip.core.models import ProgramProfile


@receiver([post_save, post_delete], sender=ProgramProfile)
def _profile_changed(**kwargs: Any) -> None:
    forget_program_header()
    # A rolled-back save must not leave the new header cached either.
    transaction.on_commit(forget_program_header)
