from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """Departments, facilities and services; keeps the three staff roles in place."""

    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        from catalog.permissions import register_department_policies
        from catalog.roles import ensure_roles

        register_department_policies()

        # Permissions exist only after migrate, so the roles are (re)built there, on every
        # database, production included: a fresh install always has the three groups.
        post_migrate.connect(ensure_roles, sender=self)
