"""Demo rollout waves from ``fixtures/rollouts.toml``: the city policy's three pillars on
its schedule, with their gates, the evidence documents of the gates already passed, and the
collection records that the pilot thresholds are measured from.

Everything is found by natural keys (a wave by its name, services and methods by code,
phases by code). A wave that exists already is left as it is — staff may have moved it on
since — and so is a collection record, so loading twice changes nothing. New waves are
created through :func:`workflows.services.plan_create`, so they are in the audit log.
"""

import datetime as dt
import tomllib
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.log_actions import log

from catalog.models import Service
from channels.models import CollectionRecord, PaymentMethod
from workflows.models import ChannelSwitch, GateItem, RolloutPlan
from workflows.phases import MOVES, ORDER
from workflows.selectors import scope_slots
from workflows.services import plan_create
from workflows.setup import evidence_collection

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "rollouts.toml"
SCHEDULE_FIELDS = ("planned_start", "planned_end", "actual_start", "actual_end")


def read_fixture(path=FIXTURE):
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def month(text):
    """``"2026-12"`` → the first day of that month, as the schedule stores planned months."""
    year, number = text.split("-")
    return dt.date(int(year), int(number), 1)


def add_months(first_day, count):
    """The first day of the month ``count`` months after ``first_day``'s."""
    index = first_day.year * 12 + first_day.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def check_wave(row):
    """Refuse a wave whose fixture contradicts itself, naming the wave, so that staff who
    edit the file see at once what to fix: the pilot set outside the services, actual
    dates that do not fit the current phase, or a path the phase table does not allow."""
    name, current = row["name"], row["phase"]
    problems = []
    outside = set(row.get("pilot", [])) - set(row["services"])
    if outside:
        problems.append(f"pilot services not in its services: {sorted(outside)}")
    entered = []
    for entry in row.get("schedule", []):
        phase = entry["phase"]
        position = ORDER.index(phase) - ORDER.index(current)
        started, ended = "actual_start" in entry, "actual_end" in entry
        # Before the current phase: started and ended; the current one: started; after it:
        # neither.
        expected = (position <= 0, position < 0)
        if (started, ended) != expected:
            problems.append(
                f"{phase}: actual start/end given {started}/{ended}, "
                f"expected {expected[0]}/{expected[1]} for a wave in {current}"
            )
        if started:
            entered.append(phase)
    if current not in entered:
        problems.append(f"the current phase {current} has no schedule row with its start")
    for left, right in zip(entered, entered[1:], strict=False):
        if right not in MOVES[left]:
            problems.append(f"{right} cannot follow {left}")
    if problems:
        raise ValueError(f"fixtures/rollouts.toml, wave {name}: " + "; ".join(problems))


@transaction.atomic
def load_demo_rollouts(data, *, user=None):
    """Create the waves that do not exist yet, and the pilot collection records that are
    missing. Returns counts: ``created``/``unchanged`` waves and ``records_created``/
    ``records_unchanged`` collection records."""
    counts = Counter()
    for order, row in enumerate(data["waves"]):
        check_wave(row)
        if RolloutPlan.objects.filter(name=row["name"]).exists():
            counts["unchanged"] += 1
        else:
            _create_wave(row, sort_order=(order + 1) * 10, user=user)
            counts["created"] += 1
        for series in row.get("collections", []):
            for outcome in _load_collections(series):
                counts[f"records_{outcome}"] += 1
    return counts


def _create_wave(row, *, sort_order, user):
    pilot = set(row.get("pilot", []))
    plan = plan_create(
        name=row["name"],
        description=row.get("description", "").strip(),
        phase=row["phase"],
        methods=[PaymentMethod.objects.get(code=code) for code in row["methods"]],
        services=[(Service.objects.get(code=code), code in pilot) for code in row["services"]],
        schedule=[_schedule_row(entry) for entry in row.get("schedule", [])],
        user=user,
    )
    # The policy's order (counter, slips, e-application), not the names' order.
    plan.sort_order = sort_order
    plan.save(update_fields=["sort_order"])
    for index, gate in enumerate(row.get("gates", [])):
        _create_gate(plan, gate, sort_order=index, user=user)
    _record_switches(plan)
    return plan


def _record_switches(plan):
    """The channels the wave's current phase has on count as the wave's, as if its moves had
    switched them on: suspending the demo wave switches them off, as it would a real one."""
    for slot in scope_slots(plan, plan.phase):
        if slot.channel is not None and slot.channel.live:
            ChannelSwitch.objects.create(
                plan=plan,
                channel=slot.channel,
                switched_on_by=None,
                revision_id=slot.channel.live_revision_id,
            )


def _schedule_row(entry):
    row = {"phase": entry["phase"]}
    for field in SCHEDULE_FIELDS:
        if field in entry:
            value = entry[field]
            row[field] = month(value) if field.startswith("planned") else value
    return row


def _create_gate(plan, gate, *, sort_order, user):
    evidence = gate.get("evidence")
    item = GateItem(
        plan=plan,
        phase=gate["phase"],
        kind=gate["kind"],
        label=gate["label"],
        done=gate.get("done", False),
        evidence=_evidence_document(evidence, plan=plan, user=user) if evidence else None,
        metric=gate.get("metric", ""),
        comparison=gate.get("comparison", ""),
        target=gate.get("target"),
        measured_value=gate.get("measured"),
        sort_order=sort_order,
    )
    item.full_clean()
    item.save()
    return item


def _evidence_document(evidence, *, plan, user):
    """A Wagtail document in the evidence collection: a one-page PDF that says it is a demo
    stand-in for the real contract or report, so nobody mistakes it for the city's."""
    Document = get_document_model()
    content = sample_pdf(
        [evidence["title"], plan.name, "デモ用のサンプルです（実在の文書ではありません）。"]
    )
    document = Document(
        title=evidence["title"],
        file=ContentFile(content, name=evidence["file"]),
        collection=evidence_collection(),
        uploaded_by_user=user,
    )
    document._set_document_file_metadata()  # size and hash, as Wagtail's upload form does
    document.full_clean()
    document.save()
    log(document, "wagtail.create", user=user)
    return document


def _load_collections(series):
    """Yield ``created`` or ``unchanged`` per month of one pilot service × method. Counter
    payments are paid on the spot, so every one is on time."""
    service = Service.objects.get(code=series["service"])
    method = PaymentMethod.objects.get(code=series["method"])
    first = month(series["first_month"])
    for offset, payments in enumerate(series["payments"]):
        period = add_months(first, offset)
        if CollectionRecord.objects.filter(service=service, method=method, period=period).exists():
            yield "unchanged"
            continue
        record = CollectionRecord(
            service=service,
            method=method,
            period=period,
            payment_count=payments,
            amount=payments * (service.standard_amount or 0),
            on_time_count=payments,
        )
        record.full_clean()
        record.save()
        yield "created"


def sample_pdf(lines):
    """A minimal valid one-page A4 PDF showing ``lines`` (Japanese allowed).

    The text uses the standard Japanese CID font HeiseiMin-W3 with the UniJIS-UCS2-H
    encoding, which every PDF reader provides, so no font is embedded and the file stays a
    few hundred bytes.
    """
    text = ["BT", "/F1 16 Tf", "60 770 Td", "24 TL"]
    for line in lines:
        text.append(f"<{line.encode('utf-16-be').hex().upper()}> Tj T*")
    text.append("ET")
    stream = "\n".join(text).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 7 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /HeiseiMin-W3 /Encoding /UniJIS-UCS2-H "
        b"/DescendantFonts [5 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HeiseiMin-W3 "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> "
        b"/FontDescriptor 6 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /HeiseiMin-W3 /Flags 6 "
        b"/FontBBox [-123 -257 1001 910] /ItalicAngle 0 /Ascent 723 /Descent -241 "
        b"/CapHeight 709 /StemV 69 >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
