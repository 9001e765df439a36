"""The one exception of the bench: whatever raises it ends the run with exit status 1 and the
message (and gunicorn's log, if it was started), instead of a traceback; and the cleanup
every bench script runs on its way out."""

import signal
import sys
import time


class BenchError(Exception):
    """The bench cannot go on, or a result is not what it must be: fail loudly."""


def close_and_clean(cleanups):
    """Close Django's database connections, then run each cleanup (e.g. dropping the
    scratch database), reporting one that fails and going on with the rest."""
    if "django.db" in sys.modules:
        sys.modules["django.db"].connections.close_all()
    for cleanup in cleanups:
        try:
            cleanup()
        except Exception as error:  # noqa: BLE001 (report it, clean the rest)
            print(f"cleanup failed: {error}", file=sys.stderr)


def interrupt_on_signals():
    """Make Ctrl-C, kill and a closed terminal end the run as KeyboardInterrupt, so its
    cleanup runs (SIGINT too, in case the shell started us with it ignored, as for
    background jobs)."""

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupted)


def elapsed_log():
    """A ``log(message)`` to stderr that prefixes the seconds since it was made."""
    begun = time.monotonic()

    def log(message):
        print(f"[{time.monotonic() - begun:6.1f} s] {message}", file=sys.stderr, flush=True)

    return log
