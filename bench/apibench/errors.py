"""The one exception of the bench: whatever raises it ends the run with exit status 1 and the
message (and gunicorn's log, if it was started), instead of a traceback; and the cleanup
every bench script runs on its way out."""

import sys


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
