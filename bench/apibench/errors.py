"""The one exception of the bench: whatever raises it ends the run with exit status 1 and the
message (and gunicorn's log, if it was started), instead of a traceback."""


class BenchError(Exception):
    """The bench cannot go on, or a result is not what it must be: fail loudly."""
