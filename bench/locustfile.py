"""Load for the web benchmark: signed-in staff searching people, opening person pages and home.

Each simulated user takes one session cookie (from bench/out/web-sessions.json, made by
web_bench.py) and the ids of the people that user may see. The users are locust's
FastHttpUser (geventhttpclient): the load generator shares the 2 cores with the server, and
the plain HttpUser (requests) spends several times more CPU per request than it does.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

SESSIONS = json.loads(
    Path(os.environ.get("VIP_BENCH_SESSIONS", Path(__file__).parent / "out" / "web-sessions.json")).read_text()
)
QUERIES = ["garcia", "martinez", "ana", "luis", "chavez", "baca", "yazzie", "lopez", "maria jose", "garsia", "sanchez"]


class Staff(FastHttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.me = SESSIONS[random.randrange(len(SESSIONS))]
        self.headers = {"Cookie": f"sessionid={self.me['session']}"}

    def _get(self, path: str, name: str, **params: str) -> None:
        # A lost session would redirect to the sign-in page, which answers 200: anything but the
        # page itself (no redirect followed) counts as a failure.
        with self.client.get(
            path, params=params or None, name=name, headers=self.headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task(3)
    def search(self) -> None:
        self._get("/people/", "/people/?q=", q=random.choice(QUERIES))

    @task(3)
    def person(self) -> None:
        if self.me["people"]:
            self._get(f"/people/{random.choice(self.me['people'])}/", "/people/<id>/")

    @task(2)
    def home(self) -> None:
        self._get("/home/", "/home/")

    @task(1)
    def reference(self) -> None:
        # Reference under the same load: a page with no person-level work (the public reports list).
        self._get("/public/reports/", "reference: /public/reports/")
