"""Background work for channels, run by django-q2 workers."""

from django.core.management import call_command

PUBLISH_SCHEDULE_NAME = "channels: publish scheduled changes"


def publish_scheduled():
    """Publish every approved change whose time has come and switch off every expired
    channel. It works from what is due, not from when it last ran, so after a worker was
    down the next run catches up on everything that fell due meanwhile."""
    call_command("publish_scheduled", verbosity=0)
