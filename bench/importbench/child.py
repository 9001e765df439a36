"""Each import runs in a fresh child process (this script again, with a hidden
``--child`` option), so its peak memory is its own.

Peak memory is the child's ``VmHWM`` from ``/proc/self/status`` (the high-water mark of
its resident set), not ``getrusage(RUSAGE_SELF).ru_maxrss``: on Linux a process started by
fork and exec inherits the parent's peak in ``ru_maxrss`` (the kernel carries the old
address space's high-water mark over at exec), so a child of a parent that once held
400 MB reports 400 MB even if it never goes past 100 MB. ``VmHWM`` belongs to the new
address space only. The child also records it right after Django's setup and the import of
every library the three ways use, the baseline the "over setup" figure is counted from.
"""

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from apibench.cpu import process_cpu_seconds
from apibench.errors import BenchError

SCRIPT = Path(__file__).resolve().parents[1] / "import.py"


def peak_rss_kb():
    """The resident-set high-water mark of this process, in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise BenchError("/proc/self/status has no VmHWM (the bench needs Linux)")


def cpu_seconds():
    """CPU time (user + system) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class DatabaseBackend:
    """CPU time of the PostgreSQL backend serving this process's connection, when the
    server runs on this machine; nothing on SQLite, which works inside the process."""

    def __init__(self):
        from django.db import connection

        self.pid = None
        if connection.vendor == "postgresql" and connection.settings_dict["HOST"] in (
            "127.0.0.1",
            "localhost",
            "::1",
        ):
            self.pid = self._backend_pid()
            self.started = process_cpu_seconds(self.pid)

    @staticmethod
    def _backend_pid():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    def cpu_seconds(self):
        """Since __init__; None when not measured or the connection was replaced."""
        if self.pid is None or self._backend_pid() != self.pid:
            return None
        return process_cpu_seconds(self.pid) - self.started


def run_child(variant, ledger_path, *, env, workdir, profile=False):
    """Run ``variant`` on ``ledger_path`` in a child; return its result (see child_main)."""
    spec_path = workdir / f"child-{variant}-{time.monotonic_ns()}.json"
    result_path = spec_path.with_suffix(".result.json")
    spec = {
        "variant": variant,
        "ledger": str(ledger_path),
        "result": str(result_path),
        "profile": str(spec_path.with_suffix(".prof")) if profile else None,
    }
    spec_path.write_text(json.dumps(spec))
    completed = subprocess.run(  # noqa: S603 (this very script)
        [sys.executable, str(SCRIPT), "--child", str(spec_path)],
        env=env,
        stdout=sys.stderr,  # the report alone goes to stdout
        check=False,
    )
    if completed.returncode != 0 or not result_path.exists():
        raise BenchError(
            f"the child importing with {variant!r} failed (exit {completed.returncode})"
        )
    result = json.loads(result_path.read_text())
    if "error" in result:
        raise BenchError(f"{variant}: {result['error']}")
    return result


def child_main(spec_path):
    """The child: set Django up, note the baseline, run one import, write the result."""
    spec = json.loads(Path(spec_path).read_text())
    import django

    django.setup()
    # Every library the three ways use, imported before the baseline: code is not data.
    import import_export.resources  # noqa: F401
    import openpyxl  # noqa: F401
    import python_calamine  # noqa: F401
    import tablib  # noqa: F401

    import imports.services  # noqa: F401

    from .variants import VARIANTS

    baseline_kb = peak_rss_kb()
    run = VARIANTS[spec["variant"]]
    backend = DatabaseBackend()
    cpu_started = cpu_seconds()
    profiler = None
    if spec["profile"]:
        import cProfile

        profiler = cProfile.Profile()
    started = time.perf_counter()
    try:
        result = profiler.runcall(run, spec["ledger"]) if profiler else run(spec["ledger"])
    except BenchError as error:
        result = {"error": str(error)}
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_started
    if profiler:
        profiler.dump_stats(spec["profile"])
    result.update(
        seconds=seconds,
        cpu_seconds=cpu,
        db_cpu_seconds=backend.cpu_seconds(),
        peak_kb=peak_rss_kb(),
        baseline_kb=baseline_kb,
        profile=spec["profile"],
    )
    Path(spec["result"]).write_text(json.dumps(result))
    return 0
