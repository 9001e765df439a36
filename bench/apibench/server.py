"""The server under test: gunicorn with sync workers on a free loopback port, run with the
production settings as README's production command runs it, plus what the bench changes
(a random secret key, plain HTTP, no Redis, a rate limit that never refuses), and the CPU
time it uses."""

import contextlib
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .checkout import ROOT
from .cpu import process_cpu_seconds, stat_fields
from .errors import BenchError

HOST = "127.0.0.1"
# Per second, not per minute: the throttle keeps one timestamp per request of its period
# in the cache and (un)pickles that list on every request. With a per-minute limit high
# enough never to refuse, the list would grow to thousands of entries during the run;
# per second it stays below the production default's 600 (600/m) at this bench's rates.
DEFAULT_RATE = "1000000000/s"


def server_environment(*, rate, database_url, media_root):
    """The environment of the server (and of the process that builds its data): production
    settings on ``database_url``, answering plain HTTP on HOST, with the rate limit
    ``rate`` and the embedded defaults instead of Redis."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backoffice.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "INTEGRATOR_API_RATE": rate,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
    }
    env.pop("REDIS_URL", None)  # the embedded default: per-process cache, ORM broker
    return env


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
                    if stat_fields(int(entry.name))[1] == self.process.pid:
                        pids.append(int(entry.name))
        self.seen_workers.update(pids)
        return pids

    def cpu_seconds(self):
        """CPU time used so far by the master and its workers."""
        total = 0.0
        for pid in [self.process.pid, *self.worker_pids()]:
            with contextlib.suppress(OSError):
                total += process_cpu_seconds(pid)
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
                if stat_fields(pid)[2] == self.process.pid:
                    os.kill(pid, signal.SIGKILL)
        self.log_file.close()
