"""`python manage.py compile_translations`: compile the project's .po files to .mo.

Pure Python (polib), so a fresh machine needs no GNU gettext; `make run`, `make test`
and a deployment run it. Django's `compilemessages` does the same where msgfmt exists.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the project's translations (locale/*/LC_MESSAGES/*.po) to .mo files."

    def handle(self, *args, **options):
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                catalog = polib.pofile(str(po_path))
                catalog.save_as_mofile(str(po_path.with_suffix(".mo")))
                self.stdout.write(f"{po_path}: {len(catalog.translated_entries())} messages")
