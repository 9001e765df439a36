"""What the bench prints on stdout at the end: the setup measured, the table of every
scenario's figures with its ratios to the trivial view, the ratios again per page size, and
a legend."""

import os
import textwrap

from .checkout import code_version

LEGEND = """
req/s: requests per second over all rounds; best: the best round's; × trivial: req/s as a
fraction of the trivial view's. CPU ms: server CPU time per request (gunicorn's master and
workers, plus PostgreSQL's backends when measured), and × trivial: how many times the
trivial view's. server, db, wrk, others: CPU seconds per second used by gunicorn, by
PostgreSQL's backends, by wrk and by every other process of the machine (100% = one CPU).
req/s depends on what else the machine runs (see 'others'); CPU ms much less so."""


def table(results, trivial, *, db_measured):
    """The table: throughput and latency as wrk saw them, then the server's CPU time per
    request, the figure that least depends on what else the machine was doing."""
    header = (
        f"{'scenario':<29} {'status':>6} {'requests':>8} {'req/s':>7} {'best':>7} "
        f"{'× trivial':>9} {'mean ms':>7} {'p99 ms':>7} {'bytes':>6} {'CPU ms':>6} "
        f"{'× trivial':>9} {'server':>6} {'db':>4} {'wrk':>4} {'others':>6}"
    )
    lines = [header, "-" * len(header)]
    for result in results:
        statuses = ",".join(str(status) for status in sorted(result.statuses))
        db = f"{result.db_cpu_s / result.seconds:>4.0%}" if db_measured else f"{'-':>4}"
        lines.append(
            f"{result.scenario.label:<29} {statuses:>6} {result.requests:>8} "
            f"{result.rps:>7.1f} {result.best_rps:>7.1f} {result.rps / trivial.rps:>9.4f} "
            f"{result.latency_mean_ms:>7.1f} {result.latency_p99_ms:>7.1f} "
            f"{result.bytes / result.requests:>6.0f} {result.cpu_ms:>6.2f} "
            f"{result.cpu_ms / trivial.cpu_ms:>9.1f} {result.server_cpu_s / result.seconds:>6.0%} "
            f"{db} {result.client_cpu_s / result.seconds:>4.0%} "
            f"{result.other_cpu_s / result.seconds:>6.0%}"
        )
    errors = [
        f"{result.scenario.label}: {result.socket_errors}"
        for result in results
        if result.socket_errors
    ]
    if errors:
        lines += ["", "wrk socket errors (answers that did arrive were all counted):", *errors]
    return "\n".join(lines)


def setup(*, where, built, sizes, args, round_seconds):
    """What was measured, on what, with which code: the lines above the table. ``args``:
    the command line's options."""
    described = ", ".join(f"{m} {n}" for m, n in sorted(built.by_method.items()))
    return textwrap.dedent(
        f"""
        Integrator API services list vs a trivial view: same gunicorn, same run
          database  {where}
          data      {built.services} services, {built.channels} published channels
                    ({described})
          pages     {
            "; ".join(
                f"page_size={size}: {items} items, {length:,} bytes"
                for size, (items, length) in sizes.items()
            )
        }
          server    gunicorn, {args.workers} sync workers, production settings
          load      wrk, {args.threads} threads, {args.connections} connections; \
{args.warmup} s warm-up, then {args.rounds} × {round_seconds} s per scenario, in turn
          code      {code_version()}
          machine   {os.cpu_count()} CPUs, shared by server, client and anything else
        """
    )


def ratios(results, trivial, page_sizes):
    """Per page size, the 200 and 304 answers' requests/s as fractions of the trivial
    view's (over all rounds and in the best rounds), and 304 against 200."""
    by_label = {result.scenario.label: result for result in results}
    lines = []
    for page_size in page_sizes:
        ok = by_label[f"services 200, page_size={page_size}"]
        not_modified = by_label[f"services 304, page_size={page_size}"]
        lines.append(
            f"page_size={page_size}: requests/s of the trivial view's: 200 at "
            f"{ok.rps / trivial.rps:.4f}× and 304 at {not_modified.rps / trivial.rps:.4f}× "
            f"(best rounds: {ok.best_rps / trivial.best_rps:.4f}× and "
            f"{not_modified.best_rps / trivial.best_rps:.4f}×); 304/200 = "
            f"{not_modified.rps / ok.rps:.2f}"
        )
    return "\n".join(lines)
