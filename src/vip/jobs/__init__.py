"""Long work off the request path: a Job record per piece of work, run by the task queue.

The small public API (docs/tasks.md says it at length):

- ``vip.jobs.kinds.job_kind(name, action=..., label=...)``: declare a kind of job (in an app's
  ``jobs.py``, found when Django starts). Its function takes ``(*, actor, params, progress)`` and
  returns a JSON summary of the result.
- ``vip.jobs.services.job_enqueue(actor=..., kind=..., params=...)``: check the action, record the
  Job and put it on the queue (Django's tasks framework); the worker (``vip worker``) runs it.
- ``vip.jobs.services.job_run_inline(actor=..., kind=..., params=...)``: the command line runs the
  same function in its own process, with the same Job record and audit.
- ``progress(step, steps, message)`` inside a kind's function: shown on the job's page.
"""
