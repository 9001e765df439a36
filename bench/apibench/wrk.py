"""wrk, the load generator: the Lua script that counts every answer's status and prints
wrk's figures as one JSON line, and one run of wrk against the server."""

import json
import re
import subprocess

from .errors import BenchError
from .server import HOST

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


def write_script(directory):
    """Write WRK_SCRIPT into ``directory``; return its path, for ``run_wrk``."""
    script = directory / "count.lua"
    script.write_text(WRK_SCRIPT)
    return script


def run_wrk(wrk, script, port, scenario, *, duration, connections, threads):
    """Run wrk on ``scenario`` for ``duration`` seconds; return the figures its script
    printed (requests, duration, bytes, socket errors, latencies, statuses)."""
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
