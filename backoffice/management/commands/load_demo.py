"""`python manage.py load_demo`: the city's demo catalog, payment channels, rollout waves
and KPI results (collection records, assessments, targets), and demo logins and an
integrator token in development."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from catalog.demo import catalog_totals, load_catalog, load_demo_users, read_fixture
from channels.demo import demo_token, load_demo_channels
from channels.demo import read_fixture as read_channels
from kpis.demo import load_demo_kpis
from kpis.demo import read_fixture as read_kpis
from workflows.demo import load_demo_rollouts
from workflows.demo import read_fixture as read_rollouts


class Command(BaseCommand):
    help = (
        "Load the city's demo catalog, channels, rollout waves and KPI results "
        "(and demo users in development)."
    )

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
            self._load_channels(user=None)
            self._load_rollouts(user=None)
            self._load_kpis()
            self.stdout.write(_("Demo users are created with development settings only."))
            return
        logins = load_demo_users(data)
        # Drafted by the department administrator, submitted to finance for approval.
        self._load_channels(user=get_user_model().objects.get(username="kanko"))
        # Finance owns the rollout schedule, so the waves are on record as theirs.
        self._load_rollouts(user=get_user_model().objects.get(username="kaikei"))
        self._load_kpis()
        self.stdout.write(self.style.SUCCESS(_("Demo logins (development only):")))
        for username, password, role in logins:
            shown = password or _("(password changed by the user)")
            self.stdout.write(f"  {role:　<8} {username} / {shown}")
        token = demo_token(get_user_model().objects.get(username="sysadmin"))
        if token:
            self.stdout.write(
                self.style.SUCCESS(_("Integrator API token (development only):")) + f" {token}"
            )
            self.stdout.write(
                f'  curl -H "Authorization: Bearer {token}" '
                "http://127.0.0.1:8000/api/v1/services?status=published"
            )

    def _load_channels(self, *, user):
        counts = load_demo_channels(read_channels(), user=user)
        self.stdout.write(
            _("Payment channels: %(created)d created, %(unchanged)d unchanged.")
            % {"created": counts["created"], "unchanged": counts["unchanged"]}
        )

    def _load_rollouts(self, *, user):
        counts = load_demo_rollouts(read_rollouts(), user=user)
        self.stdout.write(
            _("Rollout waves: %(created)d created, %(unchanged)d unchanged.")
            % {"created": counts["created"], "unchanged": counts["unchanged"]}
        )

    def _load_kpis(self):
        # After the rollouts: their pilot months are kept and the generated months fit round.
        counts = load_demo_kpis(read_kpis())
        for label, key in (
            (_("Collection results: %(created)d created, %(unchanged)d unchanged."), "records"),
            (_("Assessments: %(created)d created, %(unchanged)d unchanged."), "assessments"),
            (_("KPI targets: %(created)d created, %(unchanged)d unchanged."), "targets"),
        ):
            self.stdout.write(
                label
                % {"created": counts[f"{key}_created"], "unchanged": counts[f"{key}_unchanged"]}
            )
