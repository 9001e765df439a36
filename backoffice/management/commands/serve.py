"""`python manage.py serve`: the development web server and a background worker together.

`make run` ends with it. Ctrl-C (or SIGTERM) stops both; if either stops by itself, the
other is stopped too, so nothing is left running in the background.
"""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run runserver and a django-q2 qcluster worker together; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        manage = [sys.executable, sys.argv[0]]
        processes = [
            subprocess.Popen([*manage, "qcluster"]),
            subprocess.Popen([*manage, "runserver", addrport]),
        ]
        # Stop on Ctrl-C and SIGTERM alike, even when started with SIGINT ignored.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.default_int_handler)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
