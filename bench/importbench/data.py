"""The records the slip ledger refers to, made as the app makes them: migrations, then
departments and slip services through ``department_upsert`` and ``service_upsert``, each
service with a published convenience-store channel from ``channel_create(publish=True)``,
so the import computes every slip's barcode as it does in production. Django must be set
up first; the imports are inside the functions for that reason."""

import time

from apibench.errors import BenchError

from .ledger import AMOUNT_CEILING, DEPARTMENTS, SERVICES


def build_data(*, log):
    """Migrate the empty database and create the departments, services and channels."""
    from django.core.management import call_command
    from django.db import transaction

    from catalog.services import department_upsert, service_upsert
    from channels.models import PaymentMethod
    from channels.selectors import published_slip_channels
    from channels.services import channel_create

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    log(f"migrated in {time.monotonic() - started:.1f} s")
    method = PaymentMethod.objects.get(code="convenience_store")
    with transaction.atomic():
        for code, name in DEPARTMENTS:
            department_upsert(code=code, name=name)
        services = []
        for code, name, department_code in SERVICES:
            service, _outcome = service_upsert(
                code=code, name=name, kind="tax", route="slip", department_code=department_code
            )
            channel_create(
                service=service,
                method=method,
                publish=True,
                agent_company_code="912345",
                agent_city_code="42201",
                slip_number_digits=10,
                deadline_rule="due_date",
                amount_ceiling=AMOUNT_CEILING,
            )
            services.append(service.pk)
    if len(published_slip_channels(services)) != len(SERVICES):
        raise BenchError("Not every slip service has a published convenience-store channel.")


def empty_slips():
    """Delete every payment slip (and, on PostgreSQL, vacuum the table), so the next
    import starts from the same empty table."""
    from django.db import connection

    from channels.models import PaymentSlip

    table = connection.ops.quote_name(PaymentSlip._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (our own table name)
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {table}")
    connection.close()


def stored(*, close=True):
    """What the slips table holds: ``{rows, amount_total, barcodes}``."""
    from django.db import connection
    from django.db.models import Count, Q, Sum

    from channels.models import PaymentSlip

    figures = PaymentSlip.objects.aggregate(
        rows=Count("pk"),
        amount_total=Sum("amount"),
        barcodes=Count("pk", filter=~Q(barcode_data="")),
    )
    if close:
        connection.close()
    return {key: value or 0 for key, value in figures.items()}
