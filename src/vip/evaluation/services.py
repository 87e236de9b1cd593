"""Writes of the evaluation: keeping a run (the task queue's ``evaluation.run``)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from vip.audit.services import Actor, actor_identity, audit_record
from vip.evaluation.evaluate import evaluation_read
from vip.evaluation.models import EvaluationRun


@transaction.atomic
def evaluation_run_record(*, actor: Actor, as_of: dt.date | None, audience: str) -> EvaluationRun:
    """Compute the evaluation as of ``as_of`` for ``audience`` as ``actor`` and keep it, so that its
    page and its files show this computation again.

    The audience rules are the evaluation's own (``evaluation_read``: managers either audience,
    analysts the public one, other roles refused), and so is the audit of the read
    (``evaluation.read``, format ``job``); keeping it is audited as ``evaluation.run``."""
    evaluation = evaluation_read(user=actor, as_of=as_of, audience=audience, purpose="job")
    user, name, _role = actor_identity(actor)
    run = EvaluationRun.objects.create(
        as_of=evaluation.as_of,
        audience=audience,
        definitions_version=evaluation.to_dict()["definitions"],
        data_fingerprint=evaluation.fingerprint,
        result=evaluation.to_dict(),
        requested_by=user,
        requested_by_name=name,
        created_at=evaluation.generated_at,
    )
    audit_record(
        actor=actor,
        action="evaluation.run",
        target=run,
        changes={
            "as_of": evaluation.as_of.isoformat(),
            "audience": audience,
            "definitions": run.definitions_version,
            "fingerprint": run.data_fingerprint,
        },
    )
    return run
