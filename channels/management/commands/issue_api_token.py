"""`python manage.py issue_api_token NAME --scope channels:read [--scope assets:read]
[--days 365] [--user USERNAME]`: issue an integrator token and print it, once."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.models import IntegratorAccess
from channels.services import api_token_issue


class Command(BaseCommand):
    help = "Issue an integrator API token with scopes and an expiry; it is printed only once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who will use the token, e.g. the print vendor.")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            choices=IntegratorAccess.Scope.values,
            required=True,
            help="A scope to grant; repeat for several.",
        )
        parser.add_argument("--days", type=int, default=365, help="Days until it expires.")
        parser.add_argument(
            "--user", help="The staff member it is issued by (default: the first superuser)."
        )

    def handle(self, *args, name, scopes, days, user, **options):
        User = get_user_model()
        issuer = (
            User.objects.filter(username=user).first()
            if user
            else User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        )
        if issuer is None:
            raise CommandError(_("No such user: name the staff member who issues it with --user."))
        if days < 1:
            raise CommandError(_("--days must be 1 or more."))
        try:
            access, plaintext = api_token_issue(
                name=name,
                user=issuer,
                scopes=scopes,
                expires_at=timezone.now() + dt.timedelta(days=days),
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stderr.write(
            _("Token for %(name)s, valid until %(expires)s. It is not shown again:")
            % {"name": name, "expires": f"{timezone.localtime(access.expires_at):%Y-%m-%d}"}
        )
        self.stdout.write(plaintext)
