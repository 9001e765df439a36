"""The production settings, with the static files the bench collects in its temporary
directory: the admin pages render ``{% static %}`` tags, which production's manifest
storage answers from the collected files' manifest (``BENCH_STATIC_ROOT``)."""

import os

from backoffice.settings.production import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
