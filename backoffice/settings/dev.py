"""Local development: `make run`. Never use these settings on a server."""

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = "dev-only-insecure-key-not-for-production"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

# Demo users with printed passwords may only be created here (see `load_demo`).
DEMO_USERS_ALLOWED = True
