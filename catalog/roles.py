"""The three staff roles, as Django groups with their permissions.

Department administrators (部署管理者) keep their own departments' facilities and services;
finance (会計課) reads every department and approves; system administrators
(システム管理者) manage everything, users included. Which departments a department
administrator may touch is :attr:`Department.administrators`, enforced by
:mod:`catalog.permissions`.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS

DEPARTMENT_ADMIN = "部署管理者"
FINANCE = "会計課"
SYSTEM_ADMIN = "システム管理者"

ADMIN_ACCESS = ["wagtailadmin.access_admin"]
CATALOG_VIEW = [
    "catalog.view_department",
    "catalog.view_facility",
    "catalog.view_service",
    "catalog.view_reportedfigure",
    "catalog.view_assessment",
]
CATALOG_EDIT = [
    f"catalog.{action}_{model}"
    for model in ("facility", "service", "assessment")
    for action in ("add", "change", "delete", "view")
]
CATALOG_ALL = [
    f"catalog.{action}_{model}"
    for model in ("department", "facility", "service", "reportedfigure", "assessment")
    for action in ("add", "change", "delete", "view")
]
ALL_DEPARTMENTS = ["catalog.view_all_departments"]
USER_ADMIN = [
    f"auth.{action}_{model}"
    for model in ("user", "group")
    for action in ("add", "change", "delete")
]

ROLE_PERMISSIONS = {
    DEPARTMENT_ADMIN: ADMIN_ACCESS + CATALOG_EDIT + ["catalog.view_department"],
    FINANCE: ADMIN_ACCESS + CATALOG_VIEW + ALL_DEPARTMENTS,
    SYSTEM_ADMIN: ADMIN_ACCESS + CATALOG_ALL + ALL_DEPARTMENTS + USER_ADMIN,
}


def permissions_named(names):
    """Look up ``app_label.codename`` names; a missing one is a programming error."""
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def ensure_roles(using=DEFAULT_DB_ALIAS, **kwargs):
    """Create the role groups and grant their permissions; safe to run any number of times.

    It only adds: permissions an administrator granted by hand are kept. Connected to
    ``post_migrate`` so every database has the roles, and permissions of apps that migrate
    after this one are created first.
    """
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    for name, permission_names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(*permissions_named(permission_names))
