"""Errors every layer shares."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _


class ConflictError(Exception):
    """Someone else saved this record after it was opened; the first change stands."""

    def __init__(self, instance: models.Model) -> None:
        super().__init__(
            _(
                "This %(record)s was changed by someone else after you opened it. "
                "Your changes were not saved; reload it to see the current version."
            )
            % {"record": instance._meta.verbose_name}
        )
        self.instance = instance


class AlreadyReceivedError(ValidationError):
    """A record with this key was already received from the sending system (an API answers 409)."""
