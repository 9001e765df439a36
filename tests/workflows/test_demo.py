"""The demo rollout waves of `manage.py load_demo` (fixtures/rollouts.toml): the policy's
three pillars on its schedule as they stand on 2026-11-25, consistent with their channels,
and a tourist wave that kanko can move to 横展開 with finance's approval."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from wagtail.documents import get_document_model
from wagtail.models import ModelLogEntry, Revision

from catalog.models import Facility
from channels.demo import DEMO_TOKEN
from channels.models import CollectionRecord, ServiceChannel
from tests.conftest import load_demo
from workflows.demo import check_wave, read_fixture, sample_pdf
from workflows.models import GateItem, PlanPhase, PlanService, RolloutPlan
from workflows.permissions import can_request_moves, request_is_within_departments
from workflows.phases import ORDER, Phase
from workflows.selectors import gate_results, scope_slots
from workflows.services import move_approve, move_request
from workflows.setup import evidence_collection

TODAY = dt.date(2026, 11, 25)
TOURIST = "窓口キャッシュレス（観光施設）"
CENTER = "窓口キャッシュレス（中央地域センター）"
SLIPS = "納付書のキャッシュレス決済・コンビニ納付"
SMARTPHONE = "納付書のスマートフォン決済（請求書払い）"
E_APPLICATION = "電子申請に伴うオンライン決済"

# name: (phase, methods, services, pilot services)
WAVES = {
    TOURIST: (
        Phase.PILOT,
        {"credit_card", "qr_user_scan"},
        {"20101", "20103", "20105", "20107", "20112", "20114"},
        {"20101", "20103"},
    ),
    CENTER: (
        Phase.FULL_LAUNCH,
        {"credit_card", "e_money"},
        {"16101", "16102", "16103", "16104", "16105"},
        {"16101"},
    ),
    SLIPS: (
        Phase.OPERATION,
        {"convenience_store", "pay_easy"},
        {"10101", "11101", "12101", "11201", "13101", "14101"},
        {"10101", "14101"},
    ),
    SMARTPHONE: (
        Phase.PREPARATION,
        {"smartphone_slip"},
        {"10101", "11101", "12101", "11201", "13101"},
        {"10101"},
    ),
    E_APPLICATION: (Phase.ROLLOUT, {"online_card"}, {"16106"}, {"16106"}),
}


@pytest.fixture
def output(demo_once, db):
    return demo_once


@pytest.fixture(autouse=True)
def english():
    """Gate details in English, so the assertions read the msgids."""
    with translation.override("en"):
        yield


def wave(name):
    return RolloutPlan.objects.get(name=name)


def phase_row(name, phase):
    return PlanPhase.objects.get(plan__name=name, phase=phase)


def month(year, number):
    return dt.date(year, number, 1)


def test_the_command_reports_the_waves(output):
    assert "Rollout waves: 5 created, 0 unchanged." in output
    assert list(RolloutPlan.objects.values_list("name", flat=True)) == list(WAVES)


def test_loading_twice_changes_nothing(output):
    def state():
        return {
            "waves": list(RolloutPlan.objects.values()),
            "services": list(PlanService.objects.values()),
            "schedule": list(PlanPhase.objects.values()),
            "gates": list(GateItem.objects.values()),
            "documents": list(get_document_model().objects.values()),
            "records": list(CollectionRecord.objects.values()),
            "channels": list(ServiceChannel.objects.values()),
            "revisions": Revision.objects.count(),
            "log_entries": ModelLogEntry.objects.count(),
        }

    before = state()

    second = load_demo()

    assert "Rollout waves: 0 created, 5 unchanged." in second
    assert state() == before


@pytest.mark.parametrize("name", WAVES)
def test_each_wave_has_its_methods_services_and_pilot_set(output, name):
    phase, methods, services, pilot = WAVES[name]
    plan = wave(name)

    assert plan.phase == phase
    assert set(plan.methods.values_list("code", flat=True)) == methods
    links = plan.plan_services.select_related("service")
    assert {link.service.code for link in links} == services
    assert {link.service.code for link in links if link.pilot} == pilot


@pytest.mark.parametrize("name", WAVES)
def test_actual_dates_fit_the_current_phase(output, name):
    plan = wave(name)
    current = ORDER.index(plan.phase)
    rows = list(plan.schedule.all())

    assert plan.phase in [row.phase for row in rows]
    for row in rows:
        position = ORDER.index(row.phase)
        if position < current:
            assert row.actual_start and row.actual_end, row
        elif position == current:
            assert row.actual_start and row.actual_end is None, row
            assert row.actual_start <= TODAY
        else:
            assert row.actual_start is None and row.actual_end is None, row
            assert row.planned_start, row  # a planned row for each future phase
    assert [row.phase for row in rows] == sorted((row.phase for row in rows), key=ORDER.index)


def test_the_schedule_follows_the_policy(output):
    # ⑴ counters: studied in FY2023 by facility type, piloted from FY2024.
    assert phase_row(TOURIST, Phase.STUDY).actual_end == dt.date(2023, 12, 27)
    assert phase_row(TOURIST, Phase.PILOT).actual_start == dt.date(2024, 10, 1)
    assert phase_row(TOURIST, Phase.ROLLOUT).planned_start == month(2026, 12)
    assert phase_row(CENTER, Phase.PILOT).actual_start == dt.date(2024, 4, 1)
    assert phase_row(CENTER, Phase.PILOT).actual_end == dt.date(2025, 3, 31)
    # ⑵ slips: test operation in FY2023, full launch from April 2024, core systems by the
    # end of FY2024.
    test_operation = phase_row(SLIPS, Phase.TEST_OPERATION)
    assert (test_operation.planned_start, test_operation.planned_end) == (
        month(2023, 4),
        month(2024, 3),
    )
    full_launch = phase_row(SLIPS, Phase.FULL_LAUNCH)
    assert full_launch.actual_start == dt.date(2024, 4, 1)
    assert full_launch.actual_end == dt.date(2025, 3, 31)
    # ⑶ e-application: built in FY2023, then procedure by procedure from FY2024.
    preparation = phase_row(E_APPLICATION, Phase.PREPARATION)
    assert (preparation.actual_start, preparation.actual_end) == (
        dt.date(2023, 4, 3),
        dt.date(2024, 3, 29),
    )
    assert phase_row(E_APPLICATION, Phase.ROLLOUT).actual_start == dt.date(2024, 10, 1)


def test_the_schedule_spans_fy2022_to_fy2026(output):
    starts = PlanPhase.objects.values_list("planned_start", flat=True)

    assert min(starts) == month(2022, 4)
    assert max(starts) > month(2027, 3)
    for fiscal_year in range(2022, 2027):
        first, last = month(fiscal_year, 4), month(fiscal_year + 1, 3)
        assert PlanPhase.objects.filter(planned_start__lte=last, planned_end__gte=first).exists()


def test_some_phases_are_late_and_the_timeline_can_show_it(output):
    late = {
        (row.plan.name, row.phase)
        for row in PlanPhase.objects.select_related("plan")
        if row.is_late(TODAY)
    }

    # The center's terminals came late: its rollout ended and its full launch began late.
    assert late == {(CENTER, Phase.ROLLOUT), (CENTER, Phase.FULL_LAUNCH)}


@pytest.mark.parametrize("name", WAVES)
def test_the_channels_of_each_wave_match_its_phase(output, name):
    plan = wave(name)

    for slot in scope_slots(plan, plan.phase):
        assert slot.channel is not None, slot
        assert slot.channel.live, slot.channel


def test_every_tourist_service_belongs_to_kanko(output):
    kanko = get_user_model().objects.get(username="kanko")
    plan = wave(TOURIST)
    departments = set(kanko.administered_departments.values_list("pk", flat=True))

    assert {link.service.department_id for link in plan.plan_services.all()} <= departments
    pilot = plan.plan_services.filter(pilot=True).select_related("service__facility")
    assert {link.service.facility.operation_type for link in pilot} == {
        Facility.OperationType.DIRECT
    }
    assert can_request_moves(kanko, plan)
    assert request_is_within_departments(kanko, plan)


def test_the_tourist_pilot_is_live_and_the_rest_waits_as_drafts(output):
    plan = wave(TOURIST)
    pilot = set(plan.plan_services.filter(pilot=True).values_list("service__code", flat=True))

    slots = scope_slots(plan, Phase.ROLLOUT)
    assert len(slots) == 12
    for slot in slots:
        channel = slot.channel
        assert channel is not None, slot
        if slot.service.code in pilot:
            assert channel.live, channel
        else:
            assert channel.status == ServiceChannel.Status.DRAFT, channel
            assert not channel.live and channel.go_live_at is None


def test_every_gate_of_the_tourist_rollout_is_met(output):
    results = gate_results(wave(TOURIST), Phase.ROLLOUT)

    assert [result.label for result in results] == [
        "指定管理者との協定変更",
        "決済代行業者との契約",
        "先行導入施設での決済件数",
        "Every service the phase covers has its channels set up",
    ]
    assert all(result.met for result in results), [r.detail for r in results if not r.met]
    for result in results[:2]:
        document = result.item.evidence
        assert document.collection == evidence_collection()
        with document.open_file() as handle:
            assert handle.read(8) == b"%PDF-1.4"
    assert results[0].item.evidence.title == "協定変更書（写し）"


def test_the_pilot_payments_come_from_collection_records(output):
    # The rollout demo's own series; the KPI demo adds cash and earlier months around it.
    records = CollectionRecord.objects.filter(
        service__code__in=["20101", "20103"],
        method__code__in=["credit_card", "qr_user_scan"],
        period__gte=month(2026, 1),
    )
    threshold = GateItem.objects.get(plan__name=TOURIST, label="先行導入施設での決済件数")

    assert records.count() == 40
    assert {record.period.day for record in records} == {1}
    assert min(records.values_list("period", flat=True)) == month(2026, 1)  # FY2025
    assert max(records.values_list("period", flat=True)) == month(2026, 10)  # FY2026
    for record in records.select_related("service"):
        assert record.on_time_count <= record.payment_count
        assert record.amount == record.payment_count * record.service.standard_amount
    assert sum(records.values_list("payment_count", flat=True)) >= threshold.target


def test_gates_not_yet_met_are_shown_as_such(output):
    assert not all(result.met for result in gate_results(wave(TOURIST), Phase.FULL_LAUNCH))
    smartphone = gate_results(wave(SMARTPHONE), Phase.PILOT)
    assert [result.met for result in smartphone] == [False, True]  # contract; 市税's channel
    center = gate_results(wave(CENTER), Phase.OPERATION)
    assert "Measured 2" in center[0].detail and not center[0].met


def test_kanko_asks_for_the_rollout_finance_approves_and_the_api_serves_it(output):
    users = get_user_model().objects
    kanko, kaikei = users.get(username="kanko"), users.get(username="kaikei")
    plan = wave(TOURIST)
    cache.clear()
    api = Client(headers={"Authorization": f"Bearer {DEMO_TOKEN}"})
    assert api.get("/api/v1/services/20112").json()["channels"] == []

    move = move_request(
        plan=plan, to_phase=Phase.ROLLOUT, user=kanko, reason="先行導入の実績が目標に達したため"
    )
    move_approve(move=move, user=kaikei, comment="承認します")

    plan.refresh_from_db()
    assert plan.phase == Phase.ROLLOUT
    assert phase_row(TOURIST, Phase.ROLLOUT).actual_start is not None
    assert phase_row(TOURIST, Phase.PILOT).actual_end is not None
    served = api.get("/api/v1/services/20112").json()["channels"]
    assert sorted(channel["method"] for channel in served) == ["credit_card", "qr_user_scan"]
    for slot in scope_slots(plan, Phase.ROLLOUT):
        assert slot.channel.live


def test_the_evidence_stand_in_is_a_pdf():
    content = sample_pdf(["協定変更書（写し）"])

    assert content.startswith(b"%PDF-1.4\n") and content.endswith(b"%%EOF\n")
    assert "協定変更書".encode("utf-16-be").hex().upper().encode() in content


def test_a_fixture_that_contradicts_itself_is_refused():
    row = next(row for row in read_fixture()["waves"] if row["name"] == TOURIST)
    row = {**row, "schedule": [dict(entry) for entry in row["schedule"]]}
    row["schedule"][2].pop("actual_start")  # the current phase, 先行導入, never started

    with pytest.raises(ValueError, match="pilot"):
        check_wave(row)


def test_suspending_a_demo_wave_switches_its_channels_off(output):
    kaikei = get_user_model().objects.get(username="kaikei")
    other_finance = get_user_model().objects.create_user("kaikei2", password="pw-for-tests")
    other_finance.groups.add(*kaikei.groups.all())
    plan = wave(CENTER)
    live = [slot.channel for slot in scope_slots(plan, plan.phase) if slot.channel.live]
    assert len(live) == 10
    move = move_request(plan=plan, to_phase=Phase.SUSPENDED, user=kaikei, reason="端末障害")
    move_approve(move=move, user=other_finance)
    assert not ServiceChannel.objects.filter(pk__in=[c.pk for c in live], live=True).exists()
