"""The release-ledger attack (security row 40) on the demo city, end to end.

Loads the demo city into a scratch SQLite database (or uses --database-url), publishes the
public Monthly Informational Report of N consecutive months through the real service (each
checked against the release ledger), then attacks all of them together twice:

1. `vip releases check`: the ledger's own model over everything recorded;
2. an independent attacker (tests/security/ledger_attack.py) that reads only the published
   JSON editions and the definitions, with the official editions as the truth.

Exits 1 if either pins, or narrows below the protection width, any count from 1 to the threshold.

  python bench/ledger_attack.py --first 2024-11 --months 24
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--first", default="2024-11", help="first month published (YYYY-MM)")
    parser.add_argument("--months", type=int, default=24, help="consecutive months to publish")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file under var/ledger-attack/")
    args = parser.parse_args()
    if args.database_url is None:
        folder = ROOT / "var" / "ledger-attack"
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "demo.sqlite3"
        db.unlink(missing_ok=True)
        args.database_url = f"sqlite:///{db}"
        os.environ["DATABASE_URL"] = args.database_url
        print("Loading the demo city ...", flush=True)
        subprocess.run([str(Path(sys.executable).parent / "vip"), "demo"], check=True, stdout=subprocess.DEVNULL)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from tests.security.ledger_attack import attack_releases
    from vip.core.config import program_config
    from vip.core.dates import Month
    from vip.releases.ledger import exposures
    from vip.releases.services import ledger_editions
    from vip.reports.facts import load_facts
    from vip.reports.metrics import compute
    from vip.reports.render import build, to_data
    from vip.reports.services import report_generate

    config = program_config()
    first = Month.parse(args.first)
    official, public = [], []
    started = time.perf_counter()
    for i in range(-12, args.months):
        month = first.shift(i)
        facts = load_facts(config, month)
        official.append(to_data(build(compute(facts, month), "official", config, None, facts.as_of or _now())))
        if i < 0:
            continue
        t0 = time.perf_counter()
        run = report_generate(actor=None, month=month, audience="public", formats=["json"], publish=True)
        withheld = run.ledger_plan.get("withheld_for_history", [])
        suppressed = sum(1 for c in run.ledger_plan["cells"] if c.get("table") and c["kind"] in ("primary", "withheld"))
        cells = sum(1 for c in run.ledger_plan["cells"] if c.get("table"))
        print(
            f"published {month}: {cells} cells, {suppressed} withheld, {len(withheld)} of them because of earlier "
            f"releases ({time.perf_counter() - t0:.1f} s)",
            flush=True,
        )
        public.append(run.numbers)
    print(f"{args.months} months published in {time.perf_counter() - started:.0f} s", flush=True)

    editions, _ = ledger_editions()
    t0 = time.perf_counter()
    own = exposures(editions, threshold=config.suppression_threshold, width=config.protection_width)
    print(f"the ledger's attack over {len(editions)} releases: {len(own)} exposed ({time.perf_counter() - t0:.0f} s)")
    t0 = time.perf_counter()
    independent = attack_releases(
        official,
        public,
        fiscal_start=config.fiscal_year_start_month,
        threshold=config.suppression_threshold,
        width=config.protection_width,
    )
    print(
        f"the independent attacker over {len(public)} published editions: {len(independent)} count(s) from 1 to "
        f"{config.suppression_threshold} narrowed below width {config.protection_width} "
        f"({time.perf_counter() - t0:.0f} s)"
    )
    for item in [*own, *independent][:40]:
        print(f"  {item.label}: true {item.truth}, reader's range {item.low:g}..{item.high:g}")
    return 1 if own or independent else 0


def _now():
    from django.utils import timezone

    return timezone.now()


if __name__ == "__main__":
    sys.exit(main())
