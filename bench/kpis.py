"""Render time and SQL queries of the KPI dashboard on five years of monthly collection
results, against a plain Wagtail listing of the same process in the same run.

    .venv/bin/python bench/kpis.py                    # throwaway SQLite file in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/backoffice .venv/bin/python bench/kpis.py
                                                      # scratch database backoffice_bench

Why: the dashboard sums every collection result (収納実績) of the years its trend shows on
each render; this shows what that costs once the table holds years of them (by default
200 services × 60 months × 9 payment methods = 108,000 rows), and that the number of
queries does not grow with the data.

What it does, in order:

1. Builds a throwaway database (a SQLite file in a temporary directory, or, with
   ``DATABASE_URL`` pointing at PostgreSQL, a scratch database ``<name>_bench`` on that
   server which it creates and drops), migrates it and collects the static files (the
   production settings' manifest storage needs them to render admin pages).
2. Fills it with a small data set (20 services, the last 12 months) through the project's
   own services (``department_upsert``, ``service_upsert``, ``channel_create(publish=True)``),
   with assessments, targets, reported figures, a finance user (会計課) and a department
   administrator of one department; the collection results with ``bulk_create``.
3. Renders, in this process with Django's test Client and the production settings (DEBUG
   off): the targets listing (the baseline), the dashboard for this fiscal year and the
   last as finance, the admin home with its KPI panel, the Excel download, the dashboard
   as the department administrator, and ``dashboard_figures`` alone. Each is checked once
   (a 200 whose headline cashless share is the one summed straight from the database),
   warmed up, its queries counted on one render, then timed over ``--repeat`` rounds.
4. Grows the same database to the full data set (``--services`` × ``--years`` × 12 months
   × ``--methods``) and measures again.
5. Prints the setup, a table per data set (median, min and max ms, CPU ms, queries, and
   the median as a multiple of the baseline's), and each scenario's queries and median
   on the small data set against the full one. A wrong answer exits 1.

The scratch database is removed on exit, Ctrl-C included. See bench/README.md for how to
read the output.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from apibench.checkout import ROOT
from apibench.cpu import NoDatabaseProcess, PostgresBackends
from apibench.database import add_database_arguments, bench_database
from apibench.errors import BenchError, close_and_clean, elapsed_log, interrupt_on_signals
from apibench.server import DEFAULT_RATE, server_environment
from kpisbench.data import (
    MAX_SERVICES,
    METHOD_ORDER,
    Plan,
    add_targets_and_figures,
    add_users,
    contents,
    grow,
    last_months,
    migrate,
)
from kpisbench.measure import measure, profile
from kpisbench.report import LEGEND, growth, setup, table
from kpisbench.scenarios import scenarios

# `python bench/kpis.py` puts bench/ on sys.path, hence `import apibench`; Django's
# settings and the apps it imports need the project's root too, and before bench/, where
# this very file would otherwise shadow the project's `kpis` app.
sys.path.insert(0, str(ROOT))

SMALL_SERVICES = 20
SMALL_MONTHS = 12


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=200, help="services (default 200)")
    parser.add_argument(
        "--years", type=int, default=5,
        help="years of monthly results, up to last month (default 5: 60 months)",
    )  # fmt: skip
    parser.add_argument(
        "--methods", type=int, default=9,
        help=f"payment methods with results (default 9, at most {len(METHOD_ORDER)}): the "
        f"first of {', '.join(METHOD_ORDER)}",
    )  # fmt: skip
    parser.add_argument("--repeat", type=int, default=15, help="timed renders per scenario")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up renders per scenario")
    parser.add_argument(
        "--profile", action="store_true",
        help="afterwards, profile one render of this year's dashboard as finance on the "
        "full data set and print the top 40 functions by cumulative and by own time",
    )  # fmt: skip
    add_database_arguments(parser)
    args = parser.parse_args(argv)
    if not SMALL_SERVICES <= args.services <= MAX_SERVICES:
        parser.error(f"--services must be {SMALL_SERVICES} to {MAX_SERVICES}")
    if not 1 <= args.years <= 20 or not 3 <= args.methods <= len(METHOD_ORDER):
        parser.error(f"--years must be 1 to 20 and --methods 3 to {len(METHOD_ORDER)}")
    if args.repeat < 1 or args.warmup < 1:
        parser.error("--repeat and --warmup must be at least 1")
    return args


def environment(database_url, temp):
    """The production settings as bench/api.py's server runs them (a random secret key,
    plain HTTP, no Redis), answering the test Client's host, with static files collected
    in ``temp``."""
    return {
        **server_environment(
            rate=DEFAULT_RATE, database_url=database_url, media_root=temp / "media"
        ),
        "DJANGO_SETTINGS_MODULE": "kpisbench.settings",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "BENCH_STATIC_ROOT": str(temp / "static"),
    }


@contextmanager
def timed(phases, name):
    started = time.monotonic()
    yield
    phases[name] = time.monotonic() - started


@dataclass
class DataSet:
    """One data set as measured: its plan, what the database held, the scenarios and their
    results, with how many renders warmed each up and how many were timed."""

    plan: Plan
    held: dict
    scenarios: list
    results: list
    warmup: int
    repeat: int


def open_database(args, temp, cleanups, log):
    """Create the throwaway database, point this process at it and set Django up; return
    what it is, as the report says it, and what reads its backends' CPU time."""
    database_url, where, drop = bench_database(
        os.environ.get("DATABASE_URL", ""),
        temp,
        pg_database=args.pg_database,
        replace=args.replace_database,
    )
    db = NoDatabaseProcess()
    if drop is not None:
        db = PostgresBackends(database_url)
        cleanups.extend([db.close, drop])
    os.environ.update(environment(database_url, temp))
    os.environ.pop("REDIS_URL", None)
    log(f"database: {where}")

    import django

    django.setup()
    return where, db


def measure_set(plan, users, *, current, db, args, log):
    log(f"measuring {plan.describe()}")
    found = scenarios(*users, current=current)
    results = measure(found, warmup=args.warmup, repeat=args.repeat, db=db, log=log)
    return DataSet(
        plan=plan,
        held=contents(),
        scenarios=found,
        results=results,
        warmup=args.warmup,
        repeat=args.repeat,
    )


def run(args, temp, cleanups, log):
    """The whole bench, once the options are read: build, measure, print."""
    load_before = os.getloadavg()[0]
    where, db = open_database(args, temp, cleanups, log)
    from django.core.management import call_command
    from django.utils import timezone

    from catalog.fiscal import fiscal_year

    phases = {}
    with timed(phases, "migrate"):
        migrate()
    with timed(phases, "static files"):
        call_command("collectstatic", interactive=False, verbosity=0)
    log(f"migrated and collected the static files in {sum(phases.values()):.1f} s")

    today = timezone.localdate()
    current = fiscal_year(today)
    methods = tuple(METHOD_ORDER[: args.methods])
    full_plan = Plan(args.services, last_months(12 * args.years, today), methods)
    small_plan = Plan(SMALL_SERVICES, full_plan.months[-SMALL_MONTHS:], methods)

    log(f"building the small data set: {small_plan.describe()}")
    with timed(phases, "small set"):
        grow(small_plan, log=log)
        add_targets_and_figures(today)
        users = add_users()
    small = measure_set(small_plan, users, current=current, db=db, args=args, log=log)
    log(f"growing to the full data set: {full_plan.describe()}")
    with timed(phases, "full set"):
        results_seconds = grow(full_plan, log=log)
    full = measure_set(full_plan, users, current=current, db=db, args=args, log=log)

    load = (load_before, os.getloadavg()[0])
    print(setup(where=where, sets=(small, full), phases=phases, seconds=results_seconds, load=load))
    print(table([full, small], db_measured=db.measured))
    print()
    print(growth(small, full))
    print(LEGEND)
    if args.profile:
        print(profile(full.scenarios[1]))  # this year's dashboard as finance (after the baseline)


def main(argv=None):
    args = parse_arguments(argv)

    # Ctrl-C, kill and a closed terminal all remove the scratch data.
    interrupt_on_signals()
    log = elapsed_log()

    temp = Path(tempfile.mkdtemp(prefix="bench-kpis-"))
    cleanups = []
    try:
        run(args, temp, cleanups, log)
        log("done")
        return 0
    except BenchError as error:
        print(f"\nFAILED: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        close_and_clean(cleanups)
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
