"""Rows/s and peak memory of the slip ledger import, against the usual tool and the floor,
in one run on the same database.

    .venv/bin/python bench/import.py                  # throwaway SQLite file in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/backoffice .venv/bin/python bench/import.py
                                                      # scratch database backoffice_bench

What it does, in order:

1. Builds a throwaway database (a SQLite file in a temporary directory, or, with
   ``DATABASE_URL`` pointing at PostgreSQL, a scratch database ``<name>_bench`` on that
   server which it creates and drops), migrates it and adds, through the project's own
   services, three departments and four slip services (route slip, kind tax), each with a
   published convenience-store channel (``channel_create(publish=True)``), so barcodes are
   computed as in production.
2. Writes the slip ledger (納付書: 納付番号, サービスコード, 納付者番号, 金額, 納期限,
   再発行回数, 確認番号, eL-QR) with openpyxl: 100,000 rows of a realistic mix (slip numbers
   as 10-digit text, some amounts as ``¥12,300`` text, some due dates as ``令和7年4月30日``),
   cached under the system's temporary directory.
3. Imports it, each time in a fresh child process, emptying the slips table between:
   (c) the floor: calamine's raw read and ``bulk_create``, no validation; (a) ours, end to
   end, as ``manage.py import_ledger slips FILE`` does it (keep the upload, then commit:
   read, check, write), then (a) again with the unchanged file; (b) django-import-export's default
   ``ModelResource`` on the first 10,000 rows; and (a) on a 300,000-row ledger, for the
   memory target.
4. Prints rows, seconds, rows/s and the child's peak memory for each, the phases of each,
   and the issue's targets with PASS or MISS. Checks what each import stored (row count,
   amount total, barcodes); a wrong result or a crash exits 1, a missed target does not.

The scratch database is removed on exit, Ctrl-C included. See bench/README.md for the
options and how to read the output.
"""

import argparse
import os
import secrets
import sys
import tempfile
from pathlib import Path

from apibench.checkout import ROOT
from apibench.database import add_database_arguments, bench_database
from apibench.errors import BenchError, close_and_clean, elapsed_log, interrupt_on_signals
from importbench.child import child_main, run_child
from importbench.data import build_data, empty_slips, stored
from importbench.ledger import CACHE, ledger
from importbench.report import LEGEND, setup, table, targets

# `python bench/import.py` puts bench/ on sys.path, hence `import apibench`; Django's
# settings and the apps it imports need the project's root too.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MAX_ROWS = 500_000  # one import's limit (IMPORT_LIMITS max_rows)


def environment(database_url, media_root):
    """The environment of this process and its children: production settings (no DEBUG,
    so no query log growing with the import) on the scratch database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backoffice.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
    }
    env.pop("REDIS_URL", None)
    return env


def check(what, found, expected):
    wrong = {
        key: (found.get(key), value) for key, value in expected.items() if found.get(key) != value
    }
    if wrong:
        details = ", ".join(
            f"{key} {got!r} instead of {want!r}" for key, (got, want) in wrong.items()
        )
        raise BenchError(f"{what} stored the wrong thing: {details}")


def print_profile(path, *, top=25):
    import pstats

    for order in ("cumulative", "tottime"):
        print(f"\ncProfile of our import (a), top {top} by {order}:")
        stats = pstats.Stats(str(path), stream=sys.stdout)
        stats.strip_dirs().sort_stats(order).print_stats(top)


def main(argv=None):
    if argv is None and sys.argv[1:2] == ["--child"]:
        return child_main(sys.argv[2])
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the ledger")
    parser.add_argument(
        "--usual-rows", type=int, default=10_000,
        help="rows the usual tool (django-import-export) imports: the first of the ledger",
    )  # fmt: skip
    parser.add_argument(
        "--memory-rows", type=int, default=300_000,
        help="rows of the ledger our import's peak memory is measured on (0: skip)",
    )  # fmt: skip
    parser.add_argument(
        "--profile", action="store_true",
        help="afterwards, run our import once more under cProfile and print the top 25 "
        "functions by cumulative and by own time",
    )  # fmt: skip
    add_database_arguments(parser)
    parser.add_argument(
        "--keep-files", action="store_true",
        help="keep the ledgers this run wrote (the next run reuses them) and the temporary "
        "directory (SQLite file, the imports' kept uploads)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if not 1 <= args.rows <= MAX_ROWS or not 0 <= args.memory_rows <= MAX_ROWS:
        parser.error(f"--rows must be 1 to {MAX_ROWS:,} and --memory-rows 0 to {MAX_ROWS:,}")
    if not 1 <= args.usual_rows <= args.rows:
        parser.error("--usual-rows must be 1 to --rows")

    interrupt_on_signals()
    log = elapsed_log()

    load_before = os.getloadavg()[0]
    temp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    cleanups, written = [], []
    try:
        database_url, where, drop = bench_database(
            os.environ.get("DATABASE_URL", ""), temp,
            pg_database=args.pg_database, replace=args.replace_database,
        )  # fmt: skip
        if drop is not None:
            cleanups.append(drop)
        env = environment(database_url, temp / "media")
        os.environ.update(env)
        os.environ.pop("REDIS_URL", None)
        log(f"database: {where}")

        import django

        django.setup()
        build_data(log=log)
        main_ledger = ledger(args.rows, log=log)
        usual_ledger = ledger(args.usual_rows, plain=True, log=log)
        memory_ledger = ledger(args.memory_rows, log=log) if args.memory_rows else None
        written += [x.path for x in (main_ledger, usual_ledger, memory_ledger) if x and x.written]
        empty_slips()

        def child(variant, source, label, profile=False):
            log(f"{label}: {source.rows:,} rows…")
            result = run_child(variant, source.path, env=env, workdir=temp, profile=profile)
            log(f"  {result['seconds']:.2f} s, {source.rows / result['seconds']:,.0f} rows/s")
            return result

        floor = child("floor", main_ledger, "(c) floor")
        check("The floor", stored(), main_ledger.stored(barcodes=0))
        empty_slips()
        ours = child("ours", main_ledger, "(a) ours")
        found = {**stored(), "new": ours["new"]}
        check("Our import", found, main_ledger.stored(new=main_ledger.rows))
        reimport = child("ours", main_ledger, "(a) ours, re-import")
        found = {**stored(), "unchanged": reimport["unchanged"]}
        check("The re-import", found, main_ledger.stored(unchanged=main_ledger.rows))
        empty_slips()
        usual = child("usual", usual_ledger, "(b) usual")
        check("django-import-export", stored(), usual_ledger.stored(barcodes=0))
        empty_slips()
        memory = None
        if memory_ledger:
            memory = child("ours", memory_ledger, "(a) ours, memory")
            check("Our import", stored(), memory_ledger.stored())
            empty_slips()
        profile = None
        if args.profile:
            profile = child("ours", main_ledger, "(a) ours under cProfile", profile=True)
            empty_slips()

        runs = [
            ("(c) floor: calamine + bulk_create", main_ledger.rows, floor),
            ("(a) ours, end to end", main_ledger.rows, ours),
            ("(a) ours, re-import of the unchanged file", main_ledger.rows, reimport),
            ("(b) usual: django-import-export ModelResource", usual_ledger.rows, usual),
        ]
        if memory:
            runs.append(
                (f"(a) ours, {memory_ledger.rows:,}-row ledger", memory_ledger.rows, memory)
            )
        print(setup(where=where, rows=main_ledger.rows, load_before=load_before))
        print(table(runs))
        print(
            targets(
                ours=ours,
                floor=floor,
                reimport=reimport,
                usual=usual,
                memory=memory,
                rows=main_ledger.rows,
                usual_rows=usual_ledger.rows,
                memory_rows=args.memory_rows,
            )  # fmt: skip
        )
        print(LEGEND)
        if profile:
            print_profile(profile["profile"])
        return 0
    except BenchError as error:
        print(f"\nFAILED: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        close_and_clean(cleanups)
        if args.keep_files:
            print(f"kept {temp} and the ledgers in {CACHE}", file=sys.stderr)
        else:
            import shutil

            shutil.rmtree(temp, ignore_errors=True)
            for path in written:
                path.unlink(missing_ok=True)
            if CACHE.is_dir() and not any(CACHE.iterdir()):
                CACHE.rmdir()


if __name__ == "__main__":
    sys.exit(main())
