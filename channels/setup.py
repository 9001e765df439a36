"""What every database needs for channels, (re)built after each ``migrate``: the payment
methods of the city's policy, the roles' channel permissions, finance's approval workflow
and the scheduled-publishing schedule."""

from django.apps import apps as global_apps
from django.contrib.auth.models import Group
from django.db import DEFAULT_DB_ALIAS
from django_q.models import Schedule
from wagtail.snippets.models import create_extra_permissions

from catalog import roles
from channels.models import FeedHead, PaymentMethod
from channels.services import ensure_approval_workflow
from channels.tasks import PUBLISH_SCHEDULE_NAME

# Which method fits which payment route, and how the KPIs count it, is data: a system
# administrator may change it later (設定 → 決済手段); this only adds what is missing.
PAYMENT_METHODS = [
    # code, name, configuration kind, counter, slip, e-application, payment class
    ("credit_card", "クレジットカード", "terminal", True, False, False, "cashless"),
    ("e_money", "電子マネー", "terminal", True, False, False, "cashless"),
    ("qr_store_scan", "コード決済（ストアスキャン）", "terminal", True, False, False, "cashless"),
    (
        "qr_user_scan",
        "コード決済（ユーザースキャン・JPQR）",
        "jpqr",
        True,
        False,
        False,
        "cashless",
    ),
    (
        "convenience_store",
        "コンビニ収納（バーコード）",
        "slip_barcode",
        False,
        True,
        False,
        "convenience_store",
    ),
    (
        "smartphone_slip",
        "スマートフォン決済（請求書払い）",
        "slip_barcode",
        False,
        True,
        False,
        "cashless",
    ),
    ("pay_easy", "ペイジー", "pay_easy", False, True, False, "account"),
    ("bank_transfer", "口座振替", "bank_transfer", False, True, False, "account"),
    ("online_card", "オンライン決済（電子申請）", "online", False, False, True, "cashless"),
    # Cash is never a channel; collection results record it so shares have a denominator.
    ("cash_counter", "現金（市の窓口）", "", True, True, False, "cash"),
    ("cash_bank", "現金（金融機関の窓口）", "", False, True, False, "cash"),
]

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
    ],
}


def ensure_payment_methods(using=DEFAULT_DB_ALIAS):
    for order, row in enumerate(PAYMENT_METHODS, 1):
        code, name, kind, counter, slip, e_application, payment_class = row
        PaymentMethod.objects.using(using).get_or_create(
            code=code,
            defaults={
                "name": name,
                "payment_class": payment_class,
                "config_kind": kind,
                "for_counter": counter,
                "for_slip": slip,
                "for_e_application": e_application,
                "sort_order": order * 10,
            },
        )


def ensure_channel_setup(using=DEFAULT_DB_ALIAS, **kwargs):
    """Seed the payment methods, grant the roles their channel permissions and create the
    workflow and schedule. It runs after every ``migrate`` (and every test flush).

    Only adds: a method, permission or workflow an administrator changed by hand is kept.
    """
    ensure_payment_methods(using)
    # The change feed's counter row exists before the first event, so two first publishes
    # at once wait on its lock instead of racing to create it.
    FeedHead.objects.using(using).get_or_create(pk=1)
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
