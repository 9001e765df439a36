"""The project's checkout: the directory gunicorn and Django run from, and the commit the
report says was measured."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def code_version():
    """The commit measured, and whether the working tree differed from it."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            # --no-optional-locks: a read, never an index refresh written to .git.
            ["git", "-C", str(ROOT), "--no-optional-locks", "status", "--porcelain", "-uno"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit} with uncommitted changes" if changed else commit
