"""Benchmark: the staff web application under 50 concurrent signed-in users, on PostgreSQL.

A demo city of at least 100,000 people and 1,000,000 events is loaded into a fresh PostgreSQL
database; 50 staff accounts (peer workers with caseloads, police officers, managers) get a
signed-in session each; gunicorn serves the application on loopback; locust runs 50 users for
60 s searching people, opening person pages and the home page, with a reference page (the
public reports list, no person-level work) under the same load. Target (issue 4): 95th
percentile under 300 ms, no errors.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

from common import BIN, OUT, fresh_postgres_database, machine, postgres_available, run, write_section

END = "2026-11-28"
PORT = 8791


def prepare(url: str, scale: float) -> dict[str, int]:
    folder = OUT / f"web-bundle-{scale:g}"
    if folder.exists():
        shutil.rmtree(folder)
    run([str(BIN / "vip"), "demo", "--scale", str(scale), "--end", END, "--bundle", str(folder)])
    env = {"DATABASE_URL": url}
    run([str(BIN / "vip"), "setup"], env)
    run([str(BIN / "vip"), "import", str(folder)], env)
    counts = {}
    for name in ("people", "referrals", "incidents", "involvements", "notifications", "service_referrals", "outcomes"):
        with open(folder / f"{name}.csv", encoding="utf-8") as handle:
            counts[name] = sum(1 for _ in handle) - 1
    shutil.rmtree(folder)
    return counts


SESSIONS_SCRIPT = r"""
import json, os, random
import django
django.setup()
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from vip.accounts.services import user_create
from vip.people.models import Person
random.seed(7)
ids = list(Person.objects.values_list("id", flat=True))
random.shuffle(ids)
caseloads = iter(ids[i : i + 40] for i in range(0, len(ids), 40))  # disjoint: one peer per person
out = []
for i in range(50):
    role = ("peer", "police", "manager")[i % 3]
    user = user_create(actor=None, username=f"bench{i}", role=role, password=None)
    TOTP.activate(user, generate_totp_secret())
    if role == "peer":
        mine = next(caseloads)
        Person.objects.filter(id__in=mine).update(assigned_peer=user)
        people = mine
    else:
        people = random.sample(ids, 200)
    client = Client()
    client.force_login(user)
    out.append({"user": user.username, "role": role, "session": client.cookies["sessionid"].value, "people": people})
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=44, help="demo city scale (44: ~166k people, ~1.05M events)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    if not postgres_available():
        print("PostgreSQL is not reachable: the web benchmark needs it (skipped).")
        return
    OUT.mkdir(parents=True, exist_ok=True)
    url = fresh_postgres_database("vip_bench_web")
    counts = prepare(url, args.scale)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "VIP_DEBUG": "0"}
    sessions = subprocess.run(
        [sys.executable, "-c", SESSIONS_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=OUT.parent.parent,
    ).stdout
    (OUT / "web-sessions.json").write_text(sessions.strip().splitlines()[-1])
    workers = 4
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=OUT.parent.parent,
    )
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/public/reports/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        for _ in range(workers * 8):  # warm every worker up before measuring
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/public/reports/", timeout=30)
        stats = OUT / "web"
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(OUT.parent / "locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                "10",
                "-t",
                f"{args.seconds}s",
                "--host",
                f"http://127.0.0.1:{PORT}",
                "--csv",
                str(stats),
                "--only-summary",
            ],
            check=False,  # locust exits 1 when any request failed: the failures are reported below
            cwd=OUT.parent,
            capture_output=True,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    with open(f"{stats}_stats.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    lines = [
        "## Staff web application under load (issue 4)",
        "",
        "`python bench/web_bench.py`. PostgreSQL; the demo city "
        f"(scale {args.scale:g}, to {END}) imported; {args.users} signed-in staff (peer workers with "
        f"caseloads of 40, police officers, managers) for {args.seconds} s with locust on loopback, "
        f"each waiting 0.5-1.5 s between requests; gunicorn with {workers} workers x 4 threads on the same "
        "2-core machine as the load generator. The reference is a page under the same load that does no "
        "person-level work (the public reports list).",
        "",
        f"Machine: {machine()}.",
        "",
        f"Data: {counts['people']:,} people and {sum(v for k, v in counts.items() if k != 'people'):,} events.",
        "",
        "| request | count | failures | median | p95 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} ms | "
            f"{row['95%']} ms | {row['99%']} ms | {float(row['Max Response Time']):.0f} ms |"
        )
    total = next(r for r in rows if r["Name"] == "Aggregated")
    p95, failures = float(total["95%"]), int(total["Failure Count"])
    lines += [
        "",
        f"Target: 95th percentile under 300 ms with no errors: **p95 {p95:.0f} ms, {failures} failures, "
        f"{'met' if p95 < 300 and failures == 0 else 'NOT MET'}**.",
    ]
    write_section("web", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
