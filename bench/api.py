"""Requests/s of the integrator API's services list under a real server, against a trivial
view of the same server in the same run.

    .venv/bin/python bench/api.py                     # throwaway SQLite file in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/backoffice .venv/bin/python bench/api.py
                                                      # scratch database backoffice_bench

What it does, in order:

1. Builds a throwaway database (a SQLite file in a temporary directory, or, with
   ``DATABASE_URL`` pointing at PostgreSQL, a scratch database ``<name>_bench`` on that
   server which it creates and drops), migrates it and fills it through the project's own
   services: ``department_upsert``, ``facility_upsert``, ``service_upsert``,
   ``channel_create(publish=True)`` (published revisions, live rows, change-feed events)
   and ``api_token_issue`` (scopes channels:read and assets:read).
2. Starts gunicorn (sync workers, as README's production command) on a free loopback port
   with the production settings, a random secret key, plain HTTP and a rate limit too
   high to refuse anything.
3. Drives it with wrk (keep-alive HTTP; gunicorn's sync workers close the connection after
   each answer, so wrk reconnects as any client of such a server does): for each scenario a
   warm-up, then a timed run, counting every status code.
4. Prints requests/s, latencies and CPU use of server and client for the trivial view
   (``GET /``, the app's redirect to the admin: full middleware stack, no database), the
   services list answered 200 and answered 304 (``If-None-Match`` with the list's ETag),
   and each one's ratio to the trivial view. A scenario that answered anything but its
   expected status, or a 200 without items, fails the run (exit status 1).

gunicorn is stopped and the scratch database removed on exit, Ctrl-C included. Needs wrk
(``apt-get install wrk``). See bench/README.md for the options and how to read the output.
"""

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from apibench.checkout import ROOT
from apibench.cpu import NoDatabaseProcess, PostgresBackends
from apibench.data import MAX_SERVICES, build_data
from apibench.database import add_database_arguments, bench_database
from apibench.errors import BenchError, close_and_clean, interrupt_on_signals
from apibench.load import run_rounds
from apibench.report import LEGEND, ratios, setup, table
from apibench.scenarios import services_scenarios, trivial_scenario
from apibench.server import DEFAULT_RATE, HOST, Server, server_environment
from apibench.wrk import write_script

# `python bench/api.py` puts bench/ on sys.path, hence `import apibench`; Django's settings
# and the apps it imports need the project's root too.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=500, help="services to create")
    parser.add_argument(
        "--duration", type=int, default=12, help="timed seconds per scenario, over all rounds"
    )
    parser.add_argument(
        "--rounds", type=int, default=4,
        help="split each scenario's time into this many rounds, run in turn, so a change "
        "of load on the machine hits every scenario alike",
    )  # fmt: skip
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per scenario")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--page-size", type=int, action="append", dest="page_sizes",
        help="page size of the services list to measure; repeat for several (default: 50 "
        "and 200)",
    )  # fmt: skip
    parser.add_argument(
        "--rate", default=DEFAULT_RATE,
        help=f"INTEGRATOR_API_RATE for the server (default {DEFAULT_RATE}: never refuses)",
    )  # fmt: skip
    add_database_arguments(parser)
    parser.add_argument(
        "--keep", action="store_true",
        help="keep the temporary directory (SQLite file, gunicorn log) and the scratch "
        "PostgreSQL database",
    )  # fmt: skip
    args = parser.parse_args(argv)
    page_sizes = args.page_sizes or [50, 200]
    if not 1 <= args.services <= MAX_SERVICES or any(not 1 <= n <= 200 for n in page_sizes):
        parser.error(f"--services must be 1 to {MAX_SERVICES} and page sizes 1 to 200")
    if args.rounds < 1 or args.duration < args.rounds:
        parser.error("--duration must be at least --rounds (whole seconds per round)")
    round_seconds = args.duration // args.rounds

    wrk = shutil.which("wrk")
    if wrk is None:
        print(
            "bench/api.py needs wrk, an HTTP load generator: apt-get install wrk "
            "(or build it from https://github.com/wg/wrk).",
            file=sys.stderr,
        )
        return 2

    # Ctrl-C, kill and a closed terminal all stop gunicorn and remove the scratch data.
    interrupt_on_signals()

    def log(message):
        print(message, file=sys.stderr, flush=True)

    temp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    cleanups = []
    server = None
    db = NoDatabaseProcess()
    try:
        source_url = os.environ.get("DATABASE_URL", "")
        database_url, where, drop = bench_database(
            source_url, temp, pg_database=args.pg_database, replace=args.replace_database
        )
        if drop is not None:
            cleanups.append(drop)
        env = server_environment(
            rate=args.rate, database_url=database_url, media_root=temp / "media"
        )
        # This process builds the data with the server's settings and database.
        os.environ.update(env)
        os.environ.pop("REDIS_URL", None)
        log(f"database: {where}")

        import django

        django.setup()
        from django.db import connections

        built = build_data(args.services, log=log)
        connections.close_all()

        server = Server(workers=args.workers, env=env, log_path=temp / "gunicorn.log")
        status = server.wait_ready(args.workers)
        if status != 302:
            raise BenchError(f"GET / answered {status}, expected the redirect to /admin/")
        log(f"gunicorn: {args.workers} sync workers on http://{HOST}:{server.port}/")
        if source_url:
            db = PostgresBackends(database_url)

        script = write_script(temp)
        found, sizes = services_scenarios(server.port, built.token, page_sizes, built.services)
        scenarios = [trivial_scenario(), *found]
        results = run_rounds(
            scenarios, server=server, db=db, wrk=wrk, script=script, warmup=args.warmup,
            rounds=args.rounds, round_seconds=round_seconds, connections=args.connections,
            threads=args.threads, log=log,
        )  # fmt: skip

        trivial = results[0]
        print(setup(where=where, built=built, sizes=sizes, args=args, round_seconds=round_seconds))
        print(table(results, trivial, db_measured=db.measured))
        print()
        print(ratios(results, trivial, page_sizes))
        print(LEGEND)
        return 0
    except BenchError as error:
        print(f"\nFAILED: {error}", file=sys.stderr)
        if server is not None:
            print(f"gunicorn log:\n{server.log()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            server.stop()
        db.close()
        if args.keep:
            if "django.db" in sys.modules:
                sys.modules["django.db"].connections.close_all()
            print(f"kept {temp}" + (" and the scratch database" if cleanups else ""),
                  file=sys.stderr)  # fmt: skip
        else:
            close_and_clean(cleanups)
            shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
