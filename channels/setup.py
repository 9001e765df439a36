"""What every database needs for channels, (re)built after each ``migrate``: the roles'
channel permissions, finance's approval workflow and the scheduled-publishing schedule."""

from django.apps import apps as global_apps
from django.contrib.auth.models import Group
from django.db import DEFAULT_DB_ALIAS
from django_q.models import Schedule
from wagtail.snippets.models import create_extra_permissions

from catalog import roles
from channels.services import ensure_approval_workflow
from channels.tasks import PUBLISH_SCHEDULE_NAME

CHANNEL = "channels.{action}_servicechannel"
ROLE_CHANNEL_PERMISSIONS = {
    # Draft and submit channels of their own departments; never publish.
    roles.DEPARTMENT_ADMIN: [
        CHANNEL.format(action=action) for action in ("add", "change", "delete", "view", "lock")
    ]
    + ["channels.view_paymentmethod"],
    # Approve, publish and switch off channels of every department.
    roles.FINANCE: [
        CHANNEL.format(action=action) for action in ("change", "view", "publish", "lock", "unlock")
    ]
    + ["channels.view_paymentmethod"],
    roles.SYSTEM_ADMIN: [
        CHANNEL.format(action=action)
        for action in ("add", "change", "delete", "view", "publish", "lock", "unlock")
    ]
    + [
        f"channels.{action}_{model}"
        for model in ("paymentmethod", "integratoraccess")
        for action in ("add", "change", "view", "delete")
    ]
    + [f"wagtailcore.{action}_apitoken" for action in ("add", "change", "delete")],
}


def ensure_channel_setup(using=DEFAULT_DB_ALIAS, **kwargs):
    """Grant the roles their channel permissions and create the workflow and schedule.

    Only adds: a permission or a workflow an administrator changed by hand is kept.
    """
    # Wagtail creates the publish/lock/unlock permissions after this app's signal.
    for app_config in global_apps.get_app_configs():
        create_extra_permissions(app_config, using=using)
    for name, permission_names in ROLE_CHANNEL_PERMISSIONS.items():
        group = Group.objects.using(using).get(name=name)
        group.permissions.add(*roles.permissions_named(permission_names))
    ensure_approval_workflow()
    Schedule.objects.using(using).get_or_create(
        name=PUBLISH_SCHEDULE_NAME,
        defaults={
            "func": "channels.tasks.publish_scheduled",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
