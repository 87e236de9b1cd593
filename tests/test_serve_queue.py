"""`vip serve` (the development server a new user starts after `make demo`) runs the task queue
in its own process, so a report generated in the browser is done without a `vip worker` beside
it; `--no-queue` leaves the queue to a worker that runs apart."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the development server's own SQLite database is used whatever the suite's: run once, in the SQLite pass",
    ),
]
ROOT = Path(__file__).resolve().parents[1]
VIP = str(Path(sys.executable).parent / "vip")
ENQUEUE = """
import django, sys
django.setup()
from vip.jobs.services import job_enqueue
print(job_enqueue(actor=None, kind="candidate.expire").pk)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _python(env: dict[str, str], code: str, *args: str) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.parametrize("queue", [True, False])
def test_the_development_server_runs_the_queue_unless_told_not_to(tmp_path: Path, queue: bool) -> None:
    # Its own database (the suite's is not a file the server could share): the test is the same
    # whichever database the suite runs on.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIP_", "DJANGO_", "DATABASE_URL"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'vip.sqlite3'}",
        "VIP_DATA_DIR": str(tmp_path),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    subprocess.run([VIP, "setup"], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
    job = _python(env, ENQUEUE)
    database = tmp_path / "vip.sqlite3"

    def status() -> str:
        with sqlite3.connect(database, timeout=30) as conn:
            return str(conn.execute("SELECT status FROM jobs_job WHERE id = ?", [int(job)]).fetchone()[0])

    assert status() == "queued"
    args = [VIP, "serve", "--port", str(_free_port())] + ([] if queue else ["--no-queue"])
    server = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    try:
        # Without its queue, eight seconds of a server that answers are enough to see the job wait.
        deadline = time.monotonic() + (60 if queue else 8)
        now = "queued"
        while time.monotonic() < deadline and now in {"queued", "running"}:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            time.sleep(0.5)
            now = status()
        assert now == ("done" if queue else "queued"), now
    finally:
        server.terminate()
        server.wait(timeout=30)
