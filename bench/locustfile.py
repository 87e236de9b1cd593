"""Load for the web benchmark: signed-in staff searching people, opening person pages and home.

Each simulated user takes one session cookie (from bench/out/web-sessions.json, made by
web_bench.py) and the ids of the people that user may see.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

SESSIONS = json.loads(
    Path(os.environ.get("VIP_BENCH_SESSIONS", Path(__file__).parent / "out" / "web-sessions.json")).read_text()
)
QUERIES = ["garcia", "martinez", "ana", "luis", "chavez", "baca", "yazzie", "lopez", "maria jose", "garsia", "sanchez"]


class Staff(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.me = SESSIONS[random.randrange(len(SESSIONS))]
        self.client.cookies.set("sessionid", self.me["session"])

    @task(3)
    def search(self) -> None:
        self.client.get("/people/", params={"q": random.choice(QUERIES)}, name="/people/?q=")

    @task(3)
    def person(self) -> None:
        if self.me["people"]:
            self.client.get(f"/people/{random.choice(self.me['people'])}/", name="/people/<id>/")

    @task(2)
    def home(self) -> None:
        self.client.get("/home/", name="/home/")

    @task(1)
    def reference(self) -> None:
        # Reference under the same load: a page with no person-level work (the public reports list).
        self.client.get("/public/reports/", name="reference: /public/reports/")
