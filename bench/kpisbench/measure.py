"""Timing and counting: each scenario is checked and warmed up, its SQL queries counted on
one more render, then every scenario is timed in turn, ``repeat`` rounds (every other
round in reverse order), so a change in the machine's load hits all of them alike."""

import cProfile
import io
import pstats
import statistics
import time
from dataclasses import dataclass, field


@dataclass
class Result:
    """One scenario's figures: queries and bytes of one render; wall time, CPU time of this
    process and of the PostgreSQL backend of each timed render."""

    label: str
    queries: int
    size: int | None
    wall: list = field(default_factory=list)
    cpu: list = field(default_factory=list)
    db: list = field(default_factory=list)

    @property
    def median_ms(self):
        return statistics.median(self.wall) * 1000

    @property
    def min_ms(self):
        return min(self.wall) * 1000

    @property
    def max_ms(self):
        return max(self.wall) * 1000

    @property
    def cpu_ms(self):
        """Mean CPU time per render of this process (SQLite's work included: it runs
        inside) and of the PostgreSQL backend (counted in 10 ms ticks, hence the mean)."""
        return (statistics.fmean(self.cpu) + statistics.fmean(self.db)) * 1000

    @property
    def db_ms(self):
        return statistics.fmean(self.db) * 1000


def counted(scenario):
    """Render once, counting the SQL queries; ``(queries, bytes)`` (no bytes for figures)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        answer = scenario.once()
    content = getattr(answer, "content", None)
    return len(queries), None if content is None else len(content)


def measure(scenarios, *, warmup, repeat, db, log):
    """Check, warm up, count and time every scenario; their Results, in order. ``db``
    reads the PostgreSQL backends' CPU time (apibench.cpu; nothing on SQLite)."""
    results = []
    for scenario in scenarios:
        scenario.check(scenario.once())
        for _ in range(warmup - 1):
            scenario.once()
        queries, size = counted(scenario)
        results.append(Result(scenario.label, queries=queries, size=size))
    for turn in range(repeat):
        pairs = list(zip(scenarios, results, strict=True))
        for scenario, result in pairs if turn % 2 == 0 else reversed(pairs):
            prepared = scenario.prepare()
            db_cpu = db.cpu_seconds()
            wall, cpu = time.perf_counter(), time.process_time()
            scenario.run(prepared)
            result.wall.append(time.perf_counter() - wall)
            result.cpu.append(time.process_time() - cpu)
            result.db.append(db.cpu_seconds() - db_cpu)
        if (turn + 1) % 5 == 0:
            log(f"  round {turn + 1}/{repeat}")
    return results


def profile(scenario, *, top=40):
    """One render of ``scenario`` under cProfile: the top functions by cumulative and by
    own time, as text."""
    prepared = scenario.prepare()
    profiler = cProfile.Profile()
    profiler.enable()
    scenario.run(prepared)
    profiler.disable()
    out = io.StringIO()
    for order in ("cumulative", "tottime"):
        out.write(f"\ncProfile of one render of {scenario.label}, top {top} by {order}:\n")
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(top)
    return out.getvalue()
