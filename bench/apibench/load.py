"""The timed load: wrk's warm-up and rounds over all scenarios in turn, the CPU time used by
server, database, wrk and the rest of the machine during each, summed per scenario, and the
check that every answer had the expected status."""

import resource
from dataclasses import dataclass, field

from .cpu import machine_busy_seconds
from .errors import BenchError
from .scenarios import Scenario
from .wrk import run_wrk

SOCKET_ERRORS = {
    "connect": "connect_errors",
    "read": "read_errors",
    "write": "write_errors",
    "timeouts": "timeouts",
}


@dataclass
class Result:
    """One scenario's figures, summed over the rounds it ran in."""

    scenario: Scenario
    requests: int = 0
    seconds: float = 0.0
    statuses: dict = field(default_factory=dict)
    socket_errors: dict = field(default_factory=dict)
    latency_sum_ms: float = 0.0  # mean latency × requests, summed over rounds
    latency_p99_ms: float = 0.0  # the worst round's
    bytes: int = 0
    server_cpu_s: float = 0.0
    db_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    other_cpu_s: float = 0.0
    round_rps: list = field(default_factory=list)

    @property
    def rps(self):
        return self.requests / self.seconds

    @property
    def latency_mean_ms(self):
        return self.latency_sum_ms / self.requests

    @property
    def best_rps(self):
        return max(self.round_rps)

    @property
    def cpu_ms(self):
        """Server CPU time per request: gunicorn, plus PostgreSQL's backends if measured."""
        return (self.server_cpu_s + self.db_cpu_s) * 1000 / self.requests

    def add(self, found, *, server_cpu_s, db_cpu_s, client_cpu_s, machine_busy_s):
        seconds = found["duration_us"] / 1e6
        self.requests += found["requests"]
        self.seconds += seconds
        self.round_rps.append(found["requests"] / seconds)
        for status, count in found["statuses"].items():
            self.statuses[int(status)] = self.statuses.get(int(status), 0) + count
        for name, key in SOCKET_ERRORS.items():
            if found[key]:
                self.socket_errors[name] = self.socket_errors.get(name, 0) + found[key]
        self.latency_sum_ms += found["latency_mean_us"] / 1000 * found["requests"]
        self.latency_p99_ms = max(self.latency_p99_ms, found["latency_p99_us"] / 1000)
        self.bytes += found["bytes"]
        self.server_cpu_s += server_cpu_s
        self.db_cpu_s += db_cpu_s
        self.client_cpu_s += client_cpu_s
        self.other_cpu_s += max(0.0, machine_busy_s - server_cpu_s - db_cpu_s - client_cpu_s)


def run_rounds(
    scenarios, *, server, db, wrk, script, warmup, rounds, round_seconds, connections, threads, log
):
    """Warm every scenario up for ``warmup`` seconds, then run ``rounds`` timed rounds of
    ``round_seconds`` each over all scenarios in turn, logging each; return one Result per
    scenario."""
    results = [Result(scenario) for scenario in scenarios]
    options = {"connections": connections, "threads": threads}
    if warmup:
        log(f"warming up: {warmup} s per scenario")
        for scenario in scenarios:
            run_wrk(wrk, script, server.port, scenario, duration=warmup, **options)
    for number in range(1, rounds + 1):
        log(f"round {number}/{rounds}: {round_seconds} s per scenario")
        # Every other round in reverse order, so a drift hits all scenarios alike.
        for result in results if number % 2 else reversed(results):
            line = measure(server, db, wrk, script, result, duration=round_seconds, **options)
            log(line)
    if server.process.poll() is not None:
        raise BenchError("gunicorn died during the run")
    return results


def measure(server, db, wrk, script, result, *, duration, connections, threads):
    """Run one timed round of ``result.scenario`` and add it to ``result``."""
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before, db_before = server.cpu_seconds(), db.cpu_seconds()
    machine_before = machine_busy_seconds()
    found = run_wrk(wrk, script, server.port, result.scenario, duration=duration,
                    connections=connections, threads=threads)  # fmt: skip
    server_used = server.cpu_seconds() - server_before
    db_used = db.cpu_seconds() - db_before
    machine_used = machine_busy_seconds() - machine_before
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_used = (children_after.ru_utime - children_before.ru_utime) + (
        children_after.ru_stime - children_before.ru_stime
    )
    result.add(
        found,
        server_cpu_s=server_used,
        db_cpu_s=db_used,
        client_cpu_s=client_used,
        machine_busy_s=machine_used,
    )
    check(result)
    seconds = found["duration_us"] / 1e6
    others = max(0.0, machine_used - server_used - db_used - client_used)
    return (
        f"  {result.scenario.label:<29} {found['requests'] / seconds:>8.1f} req/s "
        f"{(server_used + db_used) * 1000 / max(found['requests'], 1):>7.2f} CPU ms/req, "
        f"others {others / seconds:.0%}"
    )


def check(result):
    """Every answer must have the expected status; connect errors and timeouts fail the run
    too. (wrk's read errors are not counted as failures: a sync worker closes each
    connection after its answer, and any answer that did arrive was counted above.)"""
    expected = result.scenario.expected_status
    wrong = {status: n for status, n in result.statuses.items() if status != expected}
    problems = []
    if result.requests == 0 or result.statuses.get(expected, 0) == 0:
        problems.append(f"no {expected} answer at all")
    if wrong:
        problems.append(f"unexpected statuses {wrong}")
    if result.socket_errors.get("timeouts") or result.socket_errors.get("connect"):
        problems.append(f"socket errors {result.socket_errors}")
    if problems:
        raise BenchError(f"{result.scenario.label}: " + "; ".join(problems))
