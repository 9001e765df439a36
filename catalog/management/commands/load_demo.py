"""`python manage.py load_demo`: the city's demo catalog, and demo logins in development."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from catalog.demo import catalog_totals, load_catalog, load_demo_users, read_fixture


class Command(BaseCommand):
    help = "Load the city's demo catalog from fixtures/ (and demo users in development)."

    def handle(self, *args, **options):
        data = read_fixture()
        counts = load_catalog(data)
        self.stdout.write(
            _("Catalog: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {
                "created": counts["created"],
                "updated": counts["updated"],
                "unchanged": counts["unchanged"],
            }
        )
        self.stdout.write(
            _(
                "The catalog holds %(departments)d departments, %(facilities)d facilities and "
                "%(services)d services."
            )
            % catalog_totals()
        )
        if not getattr(settings, "DEMO_USERS_ALLOWED", False):
            self.stdout.write(_("Demo users are created with development settings only."))
            return
        self.stdout.write(self.style.SUCCESS(_("Demo logins (development only):")))
        for username, password, role in load_demo_users(data):
            shown = password or _("(password changed by the user)")
            self.stdout.write(f"  {role:　<8} {username} / {shown}")
