"""CPU time, read from /proc: of one process, of the whole machine, and of the PostgreSQL
backends serving the scratch database. The bench reports CPU time per request because it
depends far less than requests/s on whatever else the machine is running."""

import os
from pathlib import Path
from urllib.parse import urlsplit

CLK_TCK = os.sysconf("SC_CLK_TCK")


def stat_fields(pid):
    """/proc/<pid>/stat from the field after the command name: state, ppid, pgrp, …"""
    text = Path(f"/proc/{pid}/stat").read_text()
    rest = text[text.rindex(")") + 2 :].split()
    return [rest[0], *map(int, rest[1:])]


def process_cpu_seconds(pid):
    """CPU time (user + system) used so far by process ``pid``."""
    fields = stat_fields(pid)
    return (fields[11] + fields[12]) / CLK_TCK


def machine_busy_seconds():
    """CPU-seconds all processes of the machine have used since boot (/proc/stat)."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / CLK_TCK


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
                now = process_cpu_seconds(pid)
            except OSError:
                continue
            self.total += now - self.seen.get(pid, 0.0)
            self.seen[pid] = now
        return self.total

    def close(self):
        self.connection.close()
