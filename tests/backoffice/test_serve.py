"""`manage.py serve` (the end of `make run`): web server and worker up, Ctrl-C stops both."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid):
    """Process ids whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _wait_for(url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def test_serve_runs_the_web_server_and_the_worker_and_ctrl_c_stops_both(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backoffice.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300)
    port = _free_port()
    serve = subprocess.Popen(
        [*manage, "serve", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/admin/login/") == 200
        children = _children(serve.pid)
        assert len(children) == 2  # qcluster and runserver

        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=30) is not None
        time.sleep(1)
        assert [pid for pid in children if Path(f"/proc/{pid}").exists()] == []
    finally:
        if serve.poll() is None:
            serve.kill()
