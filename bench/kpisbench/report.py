"""What the bench prints on stdout at the end: the setup measured, a table per data set with
each scenario's ratio to the baseline, the small data set against the full one, and a
legend."""

import os
import textwrap

from apibench.checkout import code_version

LEGEND = """
queries: SQL queries of one render (after the warm-up). bytes: the answer's body. median,
min, max ms: wall time of one render in this process (request, middleware, view, template
or workbook; no network). CPU ms: mean CPU time per render of this process (SQLite works
inside it) plus, on PostgreSQL, of its backend (db, counted in 10 ms ticks, when the server
runs on this machine); it depends less than wall time on what else the machine runs.
× baseline: the median wall time, then the CPU time, as a multiple of the baseline's, a
plain Wagtail listing (the targets) rendered by the same process in the same rounds.
small → full: queries and median of the small data set, then of the full one; the queries
must not grow with the data."""


def setup(*, where, sets, phases, seconds, load):
    """What was measured, on what, with which code: the lines above the tables. ``sets``:
    the small and the full DataSet; ``phases``: seconds per step of the build, and
    ``seconds`` those of the full set's results."""
    small, full = sets
    held = full.held
    routes = ", ".join(f"{route} {n}" for route, n in sorted(held["routes"].items()))
    built = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items())
    methods = textwrap.fill(
        ", ".join(full.plan.methods), width=88, initial_indent=" " * 8, subsequent_indent=" " * 20
    ).strip()
    return textwrap.dedent(
        f"""
        KPI dashboard: render time and SQL queries against a Wagtail listing, same process
          database  {where}
          full      {full.plan.describe()}
                    {held["departments"]} departments; services by route: {routes};
                    {held["channels"]} published channels, {held["assessments"]} assessments, \
{held["targets"]} targets
                    methods: {methods}
          small     {small.plan.describe()}
                    (measured first, then the database grows to the full set)
          built     {built} (its results' bulk_create {seconds:.1f} s)
          settings  production (DEBUG off), Django's test Client in this process; \
{full.warmup} warm-up renders, 1 counted, then {full.repeat} timed rounds over all scenarios
          code      {code_version()}
          machine   {os.cpu_count()} CPUs; load average {load[0]:.2f} before, {load[1]:.2f} after
        """
    )


def table(sets, *, db_measured):
    """One block per DataSet, the baseline first in each."""
    header = (
        f"{'scenario':<42} {'queries':>7} {'bytes':>9} {'median ms':>9} {'min ms':>8} "
        f"{'max ms':>8} {'× baseline':>10} {'CPU ms':>8} {'db':>6} {'× baseline':>10}"
    )
    lines = [header, "-" * len(header)]
    for data_set in sets:
        lines.append(data_set.plan.describe())
        baseline = data_set.results[0]
        for result in data_set.results:
            size = "-" if result.size is None else f"{result.size:,}"
            db = f"{result.db_ms:>6.1f}" if db_measured else f"{'-':>6}"
            lines.append(
                f"  {result.label:<40} {result.queries:>7} {size:>9} {result.median_ms:>9.1f} "
                f"{result.min_ms:>8.1f} {result.max_ms:>8.1f} "
                f"{result.median_ms / baseline.median_ms:>10.2f} {result.cpu_ms:>8.1f} {db} "
                f"{result.cpu_ms / baseline.cpu_ms:>10.2f}"
            )
    return "\n".join(lines)


def growth(small, full):
    """Each scenario's queries and median on the small DataSet, then on the full one."""
    title = f"small → full ({small.plan.results:,} → {full.plan.results:,} results)"
    header = f"{title:<42} {'queries':>15} {'median ms':>19} {'× small':>8}"
    lines = [header, "-" * len(header)]
    for before, after in zip(small.results, full.results, strict=True):
        verdict = "same" if before.queries == after.queries else "GROWS"
        lines.append(
            f"  {after.label:<40} {before.queries:>4} → {after.queries:<4} {verdict:<5} "
            f"{before.median_ms:>8.1f} → {after.median_ms:<8.1f} "
            f"{after.median_ms / before.median_ms:>8.1f}"
        )
    return "\n".join(lines)
