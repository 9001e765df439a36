"""The data the bench measures, made as the app makes it: migrations, then departments,
facilities, services and published channels through the project's own services
(``department_upsert``, ``facility_upsert``, ``service_upsert``,
``channel_create(publish=True)``), and an integrator token from ``api_token_issue``. Django
must be set up before ``build_data`` runs; its imports are inside it for that reason."""

import time
from dataclasses import dataclass, field
from decimal import Decimal

from .errors import BenchError


@dataclass
class Built:
    """What build_data made: services, published channels, the token, channels per method."""

    services: int
    channels: int
    token: str
    by_method: dict = field(default_factory=dict)


FIRST_SERVICE_CODE = 10000
MAX_SERVICES = 100_000 - FIRST_SERVICE_CODE  # service codes have 5 digits

# Four kinds of service, in turn; a counter service at a facility gets two channels.
VARIANTS = [
    ("counter", "admission", ["qr_user_scan", "credit_card"]),
    ("counter", "certificate_fee", ["credit_card"]),
    ("slip", "tax", ["convenience_store"]),
    ("e_application", "usage_fee", ["online_card"]),
]


def channel_config(method, code):
    """A valid configuration of ``method`` for service ``code``, as staff would enter it."""
    fees = {"fee_rate": Decimal("3.24"), "settlement_cycle": "monthly"}
    if method == "credit_card":
        return {
            "merchant_id": f"NGS-{code}",
            "terminal_ids": f"T{code}-01\nT{code}-02",
            **fees,
        }
    if method == "qr_user_scan":
        return {
            "jpqr_store_id": f"4220{code}-0001",
            "mcc": "9399",
            "merchant_name": f"NAGASAKI CITY {code}",
            "merchant_name_ja": f"長崎市施設{code}",
            "merchant_city": "Nagasaki",
            "merchant_postal_code": "8508685",
            **fees,
        }
    if method == "convenience_store":
        return {
            "agent_company_code": "912345",
            "agent_city_code": "4220",
            "slip_number_digits": 10,
            "deadline_rule": "due_date",
            "amount_ceiling": 300_000,
        }
    if method == "online_card":
        return {"payment_url": f"https://e-apply.city.example.jp/pay/{code}", **fees}
    raise ValueError(method)


def build_data(count, *, log):
    """Migrate the empty database and fill it as the app would; return what was made."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from catalog.services import department_upsert, facility_upsert, service_upsert
    from channels.models import ChannelEvent, IntegratorAccess, PaymentMethod, ServiceChannel
    from channels.services import api_token_issue, channel_create

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    log(f"migrated in {time.monotonic() - started:.1f} s")

    started = time.monotonic()
    methods = {method.code: method for method in PaymentMethod.objects.all()}
    departments = [f"{900 + index:03d}" for index in range(8)]
    with transaction.atomic():
        for code in departments:
            department_upsert(code=code, name=f"ベンチ部署{code}")
        facilities = []
        for index in range(40):
            code = f"{9000 + index:04d}"
            facility_upsert(
                code=code,
                name=f"ベンチ施設{code}",
                operation_type="direct" if index % 2 else "designated",
                department_code=departments[index % len(departments)],
                postal_code="850-8685",
                address="長崎市魚の町4-1",
            )
            facilities.append((code, departments[index % len(departments)]))
    channels = 0
    batch = 50
    for first in range(0, count, batch):
        with transaction.atomic():
            for index in range(first, min(first + batch, count)):
                route, kind, method_codes = VARIANTS[index % len(VARIANTS)]
                code = f"{FIRST_SERVICE_CODE + index:05d}"
                facility_code, department_code = None, departments[index % len(departments)]
                if kind == "admission":
                    facility_code, department_code = facilities[index % len(facilities)]
                service, _outcome = service_upsert(
                    code=code,
                    name=f"ベンチ収納対象{code}",
                    kind=kind,
                    route=route,
                    department_code=department_code,
                    facility_code=facility_code,
                    standard_amount=None if kind == "tax" else 100 + index,
                )
                for method_code in method_codes:
                    channel_create(
                        service=service,
                        method=methods[method_code],
                        publish=True,
                        **channel_config(method_code, code),
                    )
                    channels += 1
        if (first // batch) % 4 == 3:
            log(f"  {first + batch} services, {channels} channels…")
    live = ServiceChannel.objects.filter(live=True)
    if live.count() != channels or live.filter(live_revision__isnull=True).exists():
        raise BenchError("Some channels were not published with a live revision.")
    if ChannelEvent.objects.filter(action=ChannelEvent.Action.PUBLISHED).count() != channels:
        raise BenchError("The change feed does not hold one publish event per channel.")
    user = get_user_model().objects.create_user(username="bench-issuer")
    _access, token = api_token_issue(
        name="bench",
        user=user,
        scopes=[IntegratorAccess.Scope.CHANNELS_READ, IntegratorAccess.Scope.ASSETS_READ],
    )
    by_method = {}
    for channel in live.select_related("method"):
        by_method[channel.method.code] = by_method.get(channel.method.code, 0) + 1
    log(
        f"built {count} services, {channels} published channels in "
        f"{time.monotonic() - started:.1f} s"
    )
    return Built(services=count, channels=channels, token=token, by_method=by_method)
