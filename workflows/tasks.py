"""Background work for rollout waves, run by django-q2 workers."""

from workflows.services import apply_due_moves

APPLY_SCHEDULE_NAME = "workflows: apply approved phase moves"


def apply_scheduled_moves():
    """Let approved phase moves whose date has come take effect (every minute; catches up
    after a worker was down, and a move never takes effect twice)."""
    return apply_due_moves()
