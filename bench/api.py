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
import contextlib
import http.client
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
SERVICES_PATH = "/api/v1/services"
# Per second, not per minute: the throttle keeps one timestamp per request of its period
# in the cache and (un)pickles that list on every request. With a per-minute limit high
# enough never to refuse, the list would grow to thousands of entries during the run;
# per second it stays below the production default's 600 (600/m) at this bench's rates.
DEFAULT_RATE = "1000000000/s"
CLK_TCK = os.sysconf("SC_CLK_TCK")
SOCKET_ERRORS = {
    "connect": "connect_errors",
    "read": "read_errors",
    "write": "write_errors",
    "timeouts": "timeouts",
}

WRK_SCRIPT = r"""
-- Count the status of every response in every thread; print one JSON line at the end.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "timeouts": %d, "latency_mean_us": %f, ' ..
    '"latency_p50_us": %d, "latency_p99_us": %d, "latency_max_us": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.timeout, latency.mean, latency:percentile(50), latency:percentile(99), latency.max,
    table.concat(parts, ", ")))
end
"""


LEGEND = """
req/s: requests per second over all rounds; best: the best round's; × trivial: req/s as a
fraction of the trivial view's. CPU ms: server CPU time per request (gunicorn's master and
workers, plus PostgreSQL's backends when measured), and × trivial: how many times the
trivial view's. server, db, wrk, others: CPU seconds per second used by gunicorn, by
PostgreSQL's backends, by wrk and by every other process of the machine (100% = one CPU).
req/s depends on what else the machine runs (see 'others'); CPU ms much less so."""


class BenchError(Exception):
    """The bench cannot go on, or a result is not what it must be: fail loudly."""


# --- database ----------------------------------------------------------------------------


def scratch_postgres(url, name, *, replace):
    """Create the scratch database ``name`` on the server of ``url``; return its URL and a
    function that drops it."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    given = parts.path.lstrip("/") or "postgres"
    if name == given:
        raise BenchError(f"The scratch database must not be the one DATABASE_URL names ({name}).")

    def connect():
        for database in dict.fromkeys([given, "postgres"]):
            try:
                return psycopg.connect(
                    parts._replace(path=f"/{database}").geturl(), autocommit=True
                )
            except psycopg.OperationalError as error:
                last = error
        raise BenchError(f"Cannot connect to PostgreSQL at {parts.hostname}: {last}")

    with connect() as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and not replace:
            raise BenchError(
                f"Database {name} already exists. It is the bench's scratch database: rerun "
                "with --replace-database to drop and recreate it, or pick another name with "
                "--pg-database."
            )
        if exists:
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop():
        with connect() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    return parts._replace(path=f"/{name}").geturl(), drop


@dataclass
class Built:
    services: int
    channels: int
    token: str
    by_method: dict = field(default_factory=dict)


FIRST_SERVICE_CODE = 10000
MAX_SERVICES = 100_000 - FIRST_SERVICE_CODE  # service codes have 5 digits

# Four kinds of service, in turn; a counter service at a facility gets two channels.
VARIANTS = [
    ("counter", "admission", ["qr_user_scan", "credit_card"]),
    ("counter", "certificate_fee", ["credit_card"]),
    ("slip", "tax", ["convenience_store"]),
    ("e_application", "usage_fee", ["online_card"]),
]


def channel_config(method, code):
    """A valid configuration of ``method`` for service ``code``, as staff would enter it."""
    fees = {"fee_rate": Decimal("3.24"), "settlement_cycle": "monthly"}
    if method == "credit_card":
        return {
            "merchant_id": f"NGS-{code}",
            "terminal_ids": f"T{code}-01\nT{code}-02",
            **fees,
        }
    if method == "qr_user_scan":
        return {
            "jpqr_store_id": f"4220{code}-0001",
            "mcc": "9399",
            "merchant_name": f"NAGASAKI CITY {code}",
            "merchant_name_ja": f"長崎市施設{code}",
            "merchant_city": "Nagasaki",
            "merchant_postal_code": "8508685",
            **fees,
        }
    if method == "convenience_store":
        return {
            "agent_company_code": "912345",
            "agent_city_code": "4220",
            "slip_number_digits": 10,
            "deadline_rule": "due_date",
            "amount_ceiling": 300_000,
        }
    if method == "online_card":
        return {"payment_url": f"https://e-apply.city.example.jp/pay/{code}", **fees}
    raise ValueError(method)


def build_data(count, *, log):
    """Migrate the empty database and fill it as the app would; return what was made."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from catalog.services import department_upsert, facility_upsert, service_upsert
    from channels.models import ChannelEvent, IntegratorAccess, PaymentMethod, ServiceChannel
    from channels.services import api_token_issue, channel_create

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    log(f"migrated in {time.monotonic() - started:.1f} s")

    started = time.monotonic()
    methods = {method.code: method for method in PaymentMethod.objects.all()}
    departments = [f"{900 + index:03d}" for index in range(8)]
    with transaction.atomic():
        for code in departments:
            department_upsert(code=code, name=f"ベンチ部署{code}")
        facilities = []
        for index in range(40):
            code = f"{9000 + index:04d}"
            facility_upsert(
                code=code,
                name=f"ベンチ施設{code}",
                operation_type="direct" if index % 2 else "designated",
                department_code=departments[index % len(departments)],
                postal_code="850-8685",
                address="長崎市魚の町4-1",
            )
            facilities.append((code, departments[index % len(departments)]))
    channels = 0
    batch = 50
    for first in range(0, count, batch):
        with transaction.atomic():
            for index in range(first, min(first + batch, count)):
                route, kind, method_codes = VARIANTS[index % len(VARIANTS)]
                code = f"{FIRST_SERVICE_CODE + index:05d}"
                facility_code, department_code = None, departments[index % len(departments)]
                if kind == "admission":
                    facility_code, department_code = facilities[index % len(facilities)]
                service, _outcome = service_upsert(
                    code=code,
                    name=f"ベンチ収納対象{code}",
                    kind=kind,
                    route=route,
                    department_code=department_code,
                    facility_code=facility_code,
                    standard_amount=None if kind == "tax" else 100 + index,
                )
                for method_code in method_codes:
                    channel_create(
                        service=service,
                        method=methods[method_code],
                        publish=True,
                        **channel_config(method_code, code),
                    )
                    channels += 1
        if (first // batch) % 4 == 3:
            log(f"  {first + batch} services, {channels} channels…")
    live = ServiceChannel.objects.filter(live=True)
    if live.count() != channels or live.filter(live_revision__isnull=True).exists():
        raise BenchError("Some channels were not published with a live revision.")
    if ChannelEvent.objects.filter(action=ChannelEvent.Action.PUBLISHED).count() != channels:
        raise BenchError("The change feed does not hold one publish event per channel.")
    user = get_user_model().objects.create_user(username="bench-issuer")
    _access, token = api_token_issue(
        name="bench",
        user=user,
        scopes=[IntegratorAccess.Scope.CHANNELS_READ, IntegratorAccess.Scope.ASSETS_READ],
    )
    by_method = {}
    for channel in live.select_related("method"):
        by_method[channel.method.code] = by_method.get(channel.method.code, 0) + 1
    log(
        f"built {count} services, {channels} published channels in "
        f"{time.monotonic() - started:.1f} s"
    )
    return Built(services=count, channels=channels, token=token, by_method=by_method)


# --- server ------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def request(port, path, headers=None, timeout=30):
    """One GET on a fresh connection: ``(status, headers, body)``."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


class Server:
    """gunicorn with ``workers`` sync workers on a loopback port, in its own session so a
    Ctrl-C reaches us first and we stop it cleanly."""

    def __init__(self, *, workers, env, log_path):
        self.port = free_port()
        self.seen_workers = set()
        self.log_path = log_path
        self.log_file = open(log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "backoffice.wsgi",
                "--workers", str(workers),
                "--bind", f"{HOST}:{self.port}",
                "--chdir", str(ROOT),
                "--no-control-socket",  # gunicorn 27 would otherwise bind one in ~/.gunicorn
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, workers, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited ({self.process.returncode}):\n{self.log()}")
            with contextlib.suppress(OSError):
                status, _headers, _body = request(self.port, "/", timeout=5)
                if len(self.worker_pids()) >= workers:
                    return status
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer within {timeout} s:\n{self.log()}")

    def worker_pids(self):
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if _stat_fields(int(entry.name))[1] == self.process.pid:
                        pids.append(int(entry.name))
        self.seen_workers.update(pids)
        return pids

    def cpu_seconds(self):
        """CPU time used so far by the master and its workers."""
        total = 0.0
        for pid in [self.process.pid, *self.worker_pids()]:
            with contextlib.suppress(OSError):
                total += _cpu_seconds(pid)
        return total

    def log(self):
        self.log_file.flush()
        return Path(self.log_path).read_text(errors="replace")[-4000:]

    def stop(self):
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # Workers a dying master left behind: still in its process group.
        for pid in self.seen_workers:
            with contextlib.suppress(OSError, IndexError):
                if _stat_fields(pid)[2] == self.process.pid:
                    os.kill(pid, signal.SIGKILL)
        self.log_file.close()


def _stat_fields(pid):
    """/proc/<pid>/stat from the field after the command name: state, ppid, pgrp, …"""
    text = Path(f"/proc/{pid}/stat").read_text()
    rest = text[text.rindex(")") + 2 :].split()
    return [rest[0], *map(int, rest[1:])]


def _cpu_seconds(pid):
    fields = _stat_fields(pid)
    return (fields[11] + fields[12]) / CLK_TCK


class NoDatabaseProcess:
    """SQLite works inside gunicorn's workers: their CPU time already includes it."""

    measured = False

    def cpu_seconds(self):
        return 0.0

    def close(self):
        pass


class PostgresBackends:
    """CPU time of the PostgreSQL backends serving the scratch database, when the server
    runs on this machine (its processes are in /proc); otherwise nothing is measured."""

    def __init__(self, url):
        import psycopg

        self.connection = psycopg.connect(url, autocommit=True)
        self.seen = {}  # pid -> CPU seconds at the last look
        self.total = 0.0
        self.measured = urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")

    def cpu_seconds(self):
        """CPU seconds the backends have used since the first look (those that ended
        between two looks lose their last moments)."""
        if not self.measured:
            return 0.0
        pids = [
            pid
            for (pid,) in self.connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
        ]
        for pid in pids:
            try:
                now = _cpu_seconds(pid)
            except OSError:
                continue
            self.total += now - self.seen.get(pid, 0.0)
            self.seen[pid] = now
        return self.total

    def close(self):
        self.connection.close()


# --- load --------------------------------------------------------------------------------


@dataclass
class Scenario:
    label: str
    path: str
    expected_status: int
    headers: dict


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


def machine_busy_seconds():
    """CPU-seconds all processes of the machine have used since boot (/proc/stat)."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / CLK_TCK


def run_wrk(wrk, script, port, scenario, *, duration, connections, threads):
    command = [
        wrk, "--threads", str(threads), "--connections", str(connections),
        "--duration", f"{duration}s", "--timeout", "30s", "--script", str(script),
    ]  # fmt: skip
    for name, value in scenario.headers.items():
        command += ["--header", f"{name}: {value}"]
    command.append(f"http://{HOST}:{port}{scenario.path}")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    match = re.search(r"^BENCH_JSON (.*)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or match is None:
        raise BenchError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return json.loads(match.group(1))


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


def services_scenarios(port, token, page_sizes, expected_count):
    """The 200 and 304 scenarios of the services list, after checking one answer of each."""
    auth = {"Authorization": f"Bearer {token}"}
    found200, found304, sizes = [], [], {}
    for page_size in page_sizes:
        path = f"{SERVICES_PATH}?page_size={page_size}"
        status, headers, body = request(port, path, auth)
        if status != 200:
            raise BenchError(f"GET {path} answered {status}: {body[:500]!r}")
        page = json.loads(body)
        items = page.get("items", [])
        wanted = min(page_size, expected_count)
        if page.get("count") != expected_count or len(items) != wanted or not items:
            raise BenchError(
                f"GET {path}: count {page.get('count')} and {len(items)} items; expected "
                f"count {expected_count} and {wanted} items"
            )
        if not all(item["channels"] for item in items):
            raise BenchError(f"GET {path}: a service came without its published channel")
        etag = headers.get("ETag")
        if not etag:
            raise BenchError(f"GET {path} has no ETag")
        status, _headers, not_modified_body = request(port, path, {**auth, "If-None-Match": etag})
        if status != 304 or not_modified_body:
            raise BenchError(f"GET {path} with If-None-Match answered {status}, not 304")
        sizes[page_size] = (len(items), len(body))
        found200.append(Scenario(f"services 200, page_size={page_size}", path, 200, auth))
        conditional = {**auth, "If-None-Match": etag}
        found304.append(Scenario(f"services 304, page_size={page_size}", path, 304, conditional))
    return found200 + found304, sizes


# --- report ------------------------------------------------------------------------------


def report(results, trivial, *, db_measured):
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


def code_version():
    """The commit measured, and whether the working tree differed from it."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            # --no-optional-locks: a read, never an index refresh written to .git.
            ["git", "-C", str(ROOT), "--no-optional-locks", "status", "--porcelain", "-uno"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit} with uncommitted changes" if changed else commit


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
    parser.add_argument(
        "--pg-database",
        help="scratch database name on the DATABASE_URL server (default: <its name>_bench)",
    )
    parser.add_argument(
        "--replace-database", action="store_true",
        help="drop and recreate the scratch PostgreSQL database if it already exists",
    )  # fmt: skip
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

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    # Ctrl-C, kill and a closed terminal all stop gunicorn and remove the scratch data
    # (SIGINT too, in case the shell started us with it ignored, as for background jobs).
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupted)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    temp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    cleanups = []
    server = None
    db = NoDatabaseProcess()
    try:
        source_url = os.environ.get("DATABASE_URL", "")
        if source_url and not source_url.startswith(("postgres://", "postgresql://")):
            raise BenchError("DATABASE_URL must be a postgres:// URL (or unset for SQLite).")
        if source_url:
            name = args.pg_database or (urlsplit(source_url).path.lstrip("/") or "postgres")
            if not args.pg_database:
                name += "_bench"
            database_url, drop = scratch_postgres(source_url, name, replace=args.replace_database)
            cleanups.append(drop)
            where = f"PostgreSQL, scratch database {name}"
        else:
            database_url = f"sqlite:///{temp / 'bench.sqlite3'}"
            where = "SQLite, a file in a temporary directory"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backoffice.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "INTEGRATOR_API_RATE": args.rate,
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(temp / "media"),
        }
        env.pop("REDIS_URL", None)  # the embedded default: per-process cache, ORM broker
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

        script = temp / "count.lua"
        script.write_text(WRK_SCRIPT)
        scenarios = [Scenario("trivial view (GET / → 302)", "/", 302, {})]
        found, sizes = services_scenarios(server.port, built.token, page_sizes, built.services)
        scenarios += found
        results = [Result(scenario) for scenario in scenarios]
        options = {"connections": args.connections, "threads": args.threads}
        if args.warmup:
            log(f"warming up: {args.warmup} s per scenario")
            for scenario in scenarios:
                run_wrk(wrk, script, server.port, scenario, duration=args.warmup, **options)
        for number in range(1, args.rounds + 1):
            log(f"round {number}/{args.rounds}: {round_seconds} s per scenario")
            # Every other round in reverse order, so a drift hits all scenarios alike.
            for result in results if number % 2 else reversed(results):
                line = measure(server, db, wrk, script, result, duration=round_seconds, **options)
                log(line)
        if server.process.poll() is not None:
            raise BenchError("gunicorn died during the run")

        trivial = results[0]
        described = ", ".join(f"{m} {n}" for m, n in sorted(built.by_method.items()))
        print(
            textwrap.dedent(
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
        )
        print(report(results, trivial, db_measured=db.measured))
        print()
        by_label = {result.scenario.label: result for result in results}
        for page_size in page_sizes:
            ok = by_label[f"services 200, page_size={page_size}"]
            not_modified = by_label[f"services 304, page_size={page_size}"]
            print(
                f"page_size={page_size}: requests/s of the trivial view's: 200 at "
                f"{ok.rps / trivial.rps:.4f}× and 304 at {not_modified.rps / trivial.rps:.4f}× "
                f"(best rounds: {ok.best_rps / trivial.best_rps:.4f}× and "
                f"{not_modified.best_rps / trivial.best_rps:.4f}×); 304/200 = "
                f"{not_modified.rps / ok.rps:.2f}"
            )
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
        if "django.db" in sys.modules:
            sys.modules["django.db"].connections.close_all()
        if args.keep:
            print(f"kept {temp}" + (" and the scratch database" if cleanups else ""),
                  file=sys.stderr)  # fmt: skip
        else:
            for cleanup in cleanups:
                try:
                    cleanup()
                except Exception as error:  # noqa: BLE001 (report it, clean the rest)
                    print(f"cleanup failed: {error}", file=sys.stderr)
            shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
