"""The nine payment methods of the city's policy and the payment routes each one fits.

Which method fits which route is data: a system administrator may change it later; this
migration only seeds it (and its reverse removes only what it added, if unused)."""

from django.db import migrations

METHODS = [
    # code, name, configuration kind, counter, slip, e-application
    ("credit_card", "クレジットカード", "terminal", True, False, False),
    ("e_money", "電子マネー", "terminal", True, False, False),
    ("qr_store_scan", "コード決済（ストアスキャン）", "terminal", True, False, False),
    ("qr_user_scan", "コード決済（ユーザースキャン・JPQR）", "jpqr", True, False, False),
    ("convenience_store", "コンビニ収納（バーコード）", "slip_barcode", False, True, False),
    ("smartphone_slip", "スマートフォン決済（請求書払い）", "slip_barcode", False, True, False),
    ("pay_easy", "ペイジー", "pay_easy", False, True, False),
    ("bank_transfer", "口座振替", "bank_transfer", False, True, False),
    ("online_card", "オンライン決済（電子申請）", "online", False, False, True),
]


def seed(apps, schema_editor):
    PaymentMethod = apps.get_model("channels", "PaymentMethod")
    for order, (code, name, kind, counter, slip, e_application) in enumerate(METHODS, 1):
        PaymentMethod.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "config_kind": kind,
                "for_counter": counter,
                "for_slip": slip,
                "for_e_application": e_application,
                "sort_order": order * 10,
            },
        )


def unseed(apps, schema_editor):
    PaymentMethod = apps.get_model("channels", "PaymentMethod")
    PaymentMethod.objects.filter(
        code__in=[row[0] for row in METHODS], channels__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("channels", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
