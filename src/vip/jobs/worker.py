"""The worker: runs the queue (the database backend's worker, django-tasks-db) until stopped.

A plain foreground process for systemd (docs/tasks.md): SIGTERM or SIGINT lets the job in
hand finish, then it exits with status 0; a second signal stops at once.
"""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME
from django_tasks_db.management.commands.db_worker import Worker


def _worker(*, batch: bool, interval: float, max_tasks: int | None, worker_id: str) -> Worker:
    return Worker(
        queue_names=[DEFAULT_TASK_QUEUE_NAME],
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def run_pending(*, max_tasks: int | None = None) -> int:
    """Run every job waiting on the queue, then return how many tasks ran (one pass: tests,
    ``vip worker --once``)."""
    worker = _worker(batch=True, interval=0, max_tasks=max_tasks, worker_id=get_random_string(32))
    worker.run()
    return int(worker._run_tasks)


class Loop:
    """Until stopped: run what is on the queue, then wait ``interval`` seconds."""

    def __init__(self, *, interval: float = 1.0, tick: Any = None) -> None:
        self.interval = interval
        self.running = True
        self.worker_id = get_random_string(32)
        self.tick = tick  # called before each pass (the schedule puts due jobs on the queue)
        self.current: Worker | None = None
        self.ran = 0

    def stop(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            raise SystemExit(1)  # a second signal: stop now
        self.running = False
        if self.current is not None:
            self.current.running = False  # finish the task in hand, take no other

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            while self.running:
                if self.tick is not None:
                    self.tick()
                self.current = _worker(batch=True, interval=0, max_tasks=None, worker_id=self.worker_id)
                self.current.run()
                self.ran += self.current._run_tasks
                self.current = None
                deadline = time.monotonic() + self.interval
                while self.running and time.monotonic() < deadline:
                    time.sleep(min(0.2, self.interval))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return self.ran
