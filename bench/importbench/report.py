"""What bench/import.py prints: the setup, one line per import with its phases, and the
targets of the issue with PASS or MISS (a benchmark reports; it does not fail on a MISS)."""

import os
import platform
from importlib.metadata import version

from apibench.checkout import code_version

MiB_IN_KB = 1024


def setup(*, where, rows, load_before):
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in ("Django", "wagtail", "django-import-export", "python-calamine", "openpyxl")
    )
    return "\n".join(
        [
            f"Slip ledger import ({rows:,} rows), {where}",
            f"code: {code_version()}",
            f"Python {platform.python_version()}, {packages}",
            f"{os.cpu_count()} CPUs, load average {load_before:.2f} before the run and "
            f"{os.getloadavg()[0]:.2f} after",
            "",
        ]
    )


def _mb(kb):
    return kb / MiB_IN_KB


def _cpu(seconds):
    return "-" if seconds is None else f"{seconds:.2f}"


HEADER = (
    f"{'import':<46} {'rows':>8} {'seconds':>8} {'rows/s':>8} {'CPU s':>7} {'db CPU s':>8} "
    f"{'peak MB':>7} {'over setup':>10}"
)


def line(label, rows, result):
    seconds = result["seconds"]
    return (
        f"{label:<46} {rows:>8,} {seconds:>8.2f} {rows / seconds:>8,.0f} "
        f"{_cpu(result['cpu_seconds']):>7} {_cpu(result['db_cpu_seconds']):>8} "
        f"{_mb(result['peak_kb']):>7.0f} {_mb(result['peak_kb'] - result['baseline_kb']):>10.0f}"
    )


def table(runs):
    """``runs``: ``[(label, rows, result)]``, each result with its phases."""
    out = [HEADER]
    for label, rows, result in runs:
        out.append(line(label, rows, result))
        for phase, seconds in result["phases"].items():
            out.append(f"    {phase:<51} {seconds:>8.2f}")
    return "\n".join(out)


def verdict(ok):
    return "PASS" if ok else "MISS"


def targets(*, ours, floor, reimport, usual, memory, rows, usual_rows, memory_rows):
    """The issue's targets, each with the figure, the target and PASS or MISS."""
    ours_rate = rows / ours["seconds"]
    speedup = ours_rate / (usual_rows / usual["seconds"])
    slower = ours["seconds"] / floor["seconds"]
    again = (rows / reimport["seconds"]) / ours_rate
    out = [
        "",
        "Targets",
        _target("ours vs usual, rows/s", f"{speedup:.1f}×", "≥ 10×", speedup >= 10),
        _target("ours vs floor, time", f"{slower:.2f}×", "≤ 2×", slower <= 2),
        _target("re-import vs import, rows/s", f"{again:.2f}×", "≥ 1×", again >= 1),
    ]
    if memory is not None:
        peak = _mb(memory["peak_kb"])
        label = f"peak memory, {memory_rows:,} rows"
        out.append(_target(label, f"{peak:.0f} MB", "< 300 MB", peak < 300))
    else:
        out.append("  peak memory: not measured (--memory-rows 0)")
    return "\n".join(out)


def _target(label, figure, goal, ok):
    return f"  {label:<30} {figure:>8}   target {goal:<9} {verdict(ok)}"


LEGEND = """
rows/s: ledger rows over the whole import's seconds (for ours: keep the upload, then the
  commit, which reads, checks and writes — the calls `manage.py import_ledger slips FILE`
  makes). The usual tool ran on the first --usual-rows rows only (it is slow), written as
  plain values (amounts as numbers, due dates as date cells, 再発行回数 filled in): its
  default widgets refuse ¥12,300 and 令和 dates. Neither it nor the floor computes
  barcodes; ours does.
CPU s: CPU time of the process importing (user + system); db CPU s: of the PostgreSQL
  backend serving it (- on SQLite, which works inside the process). Less sensitive than
  seconds to whatever else the machine runs (see the load averages above).
peak MB: the child process's peak resident set (VmHWM), Django and the libraries
  included; over setup: the peak minus the same figure right after Django's setup.
MB here are MiB."""
