"""Moves that take effect on their date, the schedule's actual dates, and taking effect
all at once or not at all.

An approved move with a date waits; the django-q2 schedule runs
:func:`~workflows.services.apply_due_moves` every minute, which works from what is due (so
a late run catches up) and never lets a move take effect twice. The clock is moved with
``unittest.mock.patch("django.utils.timezone.now")`` (freezegun is not installed).
"""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django_q.models import Schedule

from channels import services as channel_services
from channels.models import ChannelEvent, ServiceChannel
from tests.channels.conftest import valid_config
from tests.workflows.conftest import clock_at
from workflows.models import ChannelSwitch, PhaseMove, PlanPhase, PlanService, RolloutPlan
from workflows.phases import Phase
from workflows.services import (
    apply_due_moves,
    move_apply,
    move_approve,
    move_request,
    move_withdraw,
    plan_create,
)
from workflows.tasks import APPLY_SCHEDULE_NAME, apply_scheduled_moves


def in_an_hour():
    return timezone.now() + dt.timedelta(hours=1)


def scheduled_move(wave, requester, approver, *, to_phase=Phase.PILOT, effective_at=None):
    """A move approved to take effect at ``effective_at`` (in an hour by default)."""
    move = move_request(
        plan=wave,
        to_phase=to_phase,
        user=requester,
        reason="4月1日から先行導入",
        effective_at=effective_at or in_an_hour(),
    )
    return move_approve(move=move, user=approver)


def state(wave):
    """What staff and integrators would notice of a wave: its phase, its live channels and
    the change feed."""
    wave.refresh_from_db()
    live = sorted(ServiceChannel.objects.filter(live=True).values_list("pk", flat=True))
    return wave.phase, live, ChannelEvent.objects.count()


def status_of(move):
    move.refresh_from_db()
    return move.status


@pytest.fixture
def failing_second_switch(monkeypatch):
    """Switching channels on fails at the second channel (the first has been published)."""
    calls = []

    def switch_on(*, channel, user=None):
        calls.append(channel)
        if len(calls) == 2:
            raise RuntimeError("決済端末の設定を取得できません")
        return channel_services.channel_switch_on(channel=channel, user=user)

    monkeypatch.setattr("workflows.services.channel_switch_on", switch_on)
    return calls


# --- Waiting for the date -------------------------------------------------------------


def test_an_approved_move_with_a_date_waits_for_it(preparing, requester, approver):
    before = state(preparing)
    move = scheduled_move(preparing, requester, approver)
    assert move.status == PhaseMove.Status.APPROVED
    assert state(preparing) == before
    assert apply_due_moves() == 0
    with clock_at(move.effective_at - dt.timedelta(seconds=1)):
        assert apply_due_moves() == 0
    assert status_of(move) == PhaseMove.Status.APPROVED
    assert state(preparing) == before


def test_the_move_takes_effect_when_the_schedule_runs_after_its_date(
    preparing, requester, approver
):
    move = scheduled_move(preparing, requester, approver)
    run_at = move.effective_at + dt.timedelta(seconds=30)
    with clock_at(run_at):
        assert apply_due_moves() == 1
    move.refresh_from_db()
    assert move.status == PhaseMove.Status.APPLIED
    assert move.applied_at == run_at
    pilot = ServiceChannel.objects.get(service=preparing.plan_services.get(pilot=True).service)
    phase, live, _events = state(preparing)
    assert (phase, live) == (Phase.PILOT, [pilot.pk])
    pilot.refresh_from_db()
    assert pilot.last_published_at == run_at


def test_a_move_takes_effect_exactly_once_when_the_schedule_runs_twice(
    preparing, requester, approver
):
    move = scheduled_move(preparing, requester, approver)
    run_at = move.effective_at + dt.timedelta(minutes=1)
    with clock_at(run_at):
        assert apply_due_moves() == 1
        after_first = state(preparing)
        assert apply_due_moves() == 0
        assert move_apply(move_id=move.pk) is None
    with clock_at(run_at + dt.timedelta(minutes=1)):
        assert apply_due_moves() == 0
    assert state(preparing) == after_first
    assert ChannelSwitch.objects.count() == 1
    assert ChannelEvent.objects.filter(action=ChannelEvent.Action.PUBLISHED).count() == 1


def test_a_late_run_catches_up_after_missed_minutes(preparing, requester, approver):
    move = scheduled_move(preparing, requester, approver)
    late = move.effective_at + dt.timedelta(minutes=47)
    with clock_at(late):
        assert apply_due_moves() == 1
    assert state(preparing)[0] == Phase.PILOT
    entered = preparing.schedule.get(phase=Phase.PILOT)
    assert entered.actual_start == timezone.localdate(late)


def test_one_late_run_catches_up_the_due_moves_of_two_waves(make_wave, requester, approver):
    first = make_wave(phase=Phase.PREPARATION, name="窓口 観光施設")
    second = make_wave(phase=Phase.PILOT, name="窓口 証明書")
    soon = in_an_hour()
    scheduled_move(first, requester, approver, effective_at=soon)
    scheduled_move(
        second,
        requester,
        approver,
        to_phase=Phase.ROLLOUT,
        effective_at=soon + dt.timedelta(minutes=5),
    )
    with clock_at(soon + dt.timedelta(minutes=30)):
        assert apply_due_moves() == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.phase, second.phase) == (Phase.PILOT, Phase.ROLLOUT)
    assert set(PhaseMove.objects.values_list("status", flat=True)) == {PhaseMove.Status.APPLIED}


def test_only_the_moves_whose_date_has_come_take_effect(make_wave, requester, approver):
    due = make_wave(phase=Phase.PREPARATION, name="窓口 観光施設")
    later = make_wave(phase=Phase.PREPARATION, name="窓口 証明書")
    soon = in_an_hour()
    scheduled_move(due, requester, approver, effective_at=soon)
    waiting = scheduled_move(later, requester, approver, effective_at=soon + dt.timedelta(days=1))
    with clock_at(soon + dt.timedelta(minutes=1)):
        assert apply_due_moves() == 1
    assert status_of(waiting) == PhaseMove.Status.APPROVED
    later.refresh_from_db()
    assert later.phase == Phase.PREPARATION


def test_the_schedule_runs_the_task_every_minute(preparing, requester, approver):
    schedule = Schedule.objects.get(name=APPLY_SCHEDULE_NAME)
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        Schedule.MINUTES,
        1,
        -1,
    )
    assert import_string(schedule.func) is apply_scheduled_moves
    move = scheduled_move(preparing, requester, approver)
    with clock_at(move.effective_at + dt.timedelta(minutes=1)):
        assert apply_scheduled_moves() == 1
    assert status_of(move) == PhaseMove.Status.APPLIED


def test_a_withdrawn_scheduled_move_never_takes_effect(preparing, requester, approver):
    move = scheduled_move(preparing, requester, approver)
    move_withdraw(move=move, user=requester)
    with clock_at(move.effective_at + dt.timedelta(minutes=1)):
        assert apply_due_moves() == 0
    assert status_of(move) == PhaseMove.Status.CANCELLED
    assert state(preparing)[0] == Phase.PREPARATION


def test_a_move_approved_after_its_date_takes_effect_at_once(preparing, requester, approver):
    effective_at = in_an_hour()
    move = move_request(
        plan=preparing,
        to_phase=Phase.PILOT,
        user=requester,
        reason="4月1日から",
        effective_at=effective_at,
    )
    with clock_at(effective_at + dt.timedelta(days=1)):
        move = move_approve(move=move, user=approver)
    assert move.status == PhaseMove.Status.APPLIED
    assert state(preparing)[0] == Phase.PILOT


def test_no_other_request_while_a_scheduled_move_waits(preparing, requester, approver):
    scheduled_move(preparing, requester, approver)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        move_request(plan=preparing, to_phase=Phase.SUSPENDED, user=requester, reason="中断")
    assert "already has a request waiting" in " ".join(refused.value.messages)


# --- The wave moved on meanwhile ------------------------------------------------------


@pytest.fixture
def overtaken(preparing, requester, approver):
    """A move to the pilot, approved for later; meanwhile the wave was put into test
    operation by hand (a data fix in the admin, say)."""
    move = scheduled_move(preparing, requester, approver)
    RolloutPlan.objects.filter(pk=preparing.pk).update(phase=Phase.TEST_OPERATION)
    return move


def test_a_move_whose_wave_moved_on_fails_with_a_reason_and_changes_nothing(preparing, overtaken):
    before = state(preparing)
    with translation.override("en"), clock_at(overtaken.effective_at + dt.timedelta(minutes=1)):
        apply_due_moves()
    overtaken.refresh_from_db()
    assert overtaken.status == PhaseMove.Status.FAILED
    assert overtaken.outcome == (
        "The wave is in Test operation now, not in Preparation as when the move was asked."
    )
    assert state(preparing) == before
    assert not preparing.schedule.exists()
    assert not ChannelSwitch.objects.exists()
    with clock_at(overtaken.effective_at + dt.timedelta(minutes=2)):
        assert apply_due_moves() == 0
    assert status_of(overtaken) == PhaseMove.Status.FAILED


def test_a_failed_move_is_not_counted_as_taken_effect(preparing, overtaken):
    with clock_at(overtaken.effective_at + dt.timedelta(minutes=1)):
        assert apply_due_moves() == 0


def test_move_apply_returns_a_failed_move_as_failed(preparing, overtaken):
    with clock_at(overtaken.effective_at + dt.timedelta(minutes=1)):
        moved = move_apply(move_id=overtaken.pk)
    assert (moved.status, bool(moved.outcome)) == (PhaseMove.Status.FAILED, True)


# --- The schedule's actual dates ------------------------------------------------------


def test_taking_effect_records_the_actual_end_and_start_in_the_schedule(
    make_wave, requester, approver
):
    wave = make_wave(phase=Phase.PREPARATION)
    PlanPhase.objects.create(plan=wave, phase=Phase.PREPARATION, actual_start=dt.date(2024, 4, 1))
    PlanPhase.objects.create(
        plan=wave,
        phase=Phase.PILOT,
        planned_start=dt.date(2024, 10, 1),
        planned_end=dt.date(2025, 3, 1),
    )
    move = scheduled_move(wave, requester, approver)
    run_at = move.effective_at + dt.timedelta(minutes=1)
    with clock_at(run_at):
        apply_due_moves()
    today = timezone.localdate(run_at)
    rows = {row.phase: row for row in wave.schedule.all()}
    assert (rows[Phase.PREPARATION].actual_start, rows[Phase.PREPARATION].actual_end) == (
        dt.date(2024, 4, 1),
        today,
    )
    pilot = rows[Phase.PILOT]
    assert (pilot.actual_start, pilot.actual_end) == (today, None)
    assert (pilot.planned_start, pilot.planned_end) == (dt.date(2024, 10, 1), dt.date(2025, 3, 1))


def test_the_actual_start_is_the_date_in_japan(preparing, requester, approver):
    day = timezone.localdate() + dt.timedelta(days=2)
    half_past_midnight = timezone.make_aware(dt.datetime.combine(day, dt.time(0, 30)))
    # In UTC it is still the day before.
    assert half_past_midnight.astimezone(dt.UTC).date() == day - dt.timedelta(days=1)
    move = scheduled_move(preparing, requester, approver, effective_at=half_past_midnight)
    with clock_at(half_past_midnight + dt.timedelta(minutes=5)):
        apply_due_moves()
    assert status_of(move) == PhaseMove.Status.APPLIED
    assert preparing.schedule.get(phase=Phase.PILOT).actual_start == day


def test_a_resumed_phase_keeps_its_first_start_and_is_open_again(make_wave, requester, approver):
    wave = make_wave(phase=Phase.PREPARATION)
    first = in_an_hour()
    scheduled_move(wave, requester, approver, effective_at=first)
    with clock_at(first):
        apply_due_moves()
    started = wave.schedule.get(phase=Phase.PILOT).actual_start
    for days, phase in ((3, Phase.SUSPENDED), (10, Phase.PILOT)):
        when = first + dt.timedelta(days=days)
        with clock_at(when - dt.timedelta(hours=2)):
            scheduled_move(wave, requester, approver, to_phase=phase, effective_at=when)
        with clock_at(when):
            assert apply_due_moves() == 1
        if phase == Phase.SUSPENDED:
            # Interrupted, not over: the timeline does not show the pilot as done.
            assert wave.schedule.get(phase=Phase.PILOT).actual_end is None
    rows = {row.phase: row for row in wave.schedule.all()}
    assert (rows[Phase.PILOT].actual_start, rows[Phase.PILOT].actual_end) == (started, None)
    suspended = rows[Phase.SUSPENDED]
    assert (suspended.actual_start, suspended.actual_end) == (
        timezone.localdate(first + dt.timedelta(days=3)),
        timezone.localdate(first + dt.timedelta(days=10)),
    )


# --- All or nothing -------------------------------------------------------------------


@pytest.fixture
def two_pilots(make_wave):
    """A wave in preparation whose two services are both pilots (two channels to switch)."""
    return make_wave(phase=Phase.PREPARATION, services=2, pilot=2)


def test_a_database_hiccup_midway_switches_nothing_and_leaves_the_move_for_the_next_run(
    two_pilots, requester, approver, monkeypatch
):
    calls = []

    def switch_on(*, channel, user=None):
        calls.append(channel)
        if len(calls) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return channel_services.channel_switch_on(channel=channel, user=user)

    monkeypatch.setattr("workflows.services.channel_switch_on", switch_on)
    move = scheduled_move(two_pilots, requester, approver)
    before = state(two_pilots)
    with clock_at(move.effective_at + dt.timedelta(minutes=1)):
        assert apply_due_moves() == 0
    assert len(calls) == 2  # the first channel had been switched on
    assert state(two_pilots) == before
    assert not ChannelSwitch.objects.exists()
    assert not two_pilots.schedule.exists()
    assert status_of(move) == PhaseMove.Status.APPROVED

    # The database is back; the next run of the schedule lets the move take effect.
    monkeypatch.setattr("workflows.services.channel_switch_on", channel_services.channel_switch_on)
    with clock_at(move.effective_at + dt.timedelta(minutes=2)):
        assert apply_due_moves() == 1
    assert state(two_pilots)[0] == Phase.PILOT
    assert ServiceChannel.objects.filter(live=True).count() == 2


def test_a_failure_midway_in_the_scheduled_run_marks_the_move_failed(
    two_pilots, requester, approver, failing_second_switch
):
    move = scheduled_move(two_pilots, requester, approver)
    before = state(two_pilots)
    with clock_at(move.effective_at + dt.timedelta(minutes=1)):
        assert apply_due_moves() == 0
    move.refresh_from_db()
    assert move.status == PhaseMove.Status.FAILED
    assert "決済端末の設定を取得できません" in move.outcome
    assert state(two_pilots) == before
    assert not ChannelSwitch.objects.exists()


def test_a_failure_midway_of_an_approval_taking_effect_at_once_switches_nothing(
    two_pilots, requester, approver, failing_second_switch
):
    move = move_request(plan=two_pilots, to_phase=Phase.PILOT, user=requester, reason="開始")
    before = state(two_pilots)
    move = move_approve(move=move, user=approver)
    assert state(two_pilots) == before
    assert not ChannelSwitch.objects.exists()
    # The approval stands; the move says why it could not take effect.
    assert move.approvals.count() == 1
    assert move.status == PhaseMove.Status.FAILED
    assert "決済端末の設定を取得できません" in move.outcome


def test_taking_effect_on_a_new_wave_without_a_schedule_row_creates_one(
    make_service_for, make_channel, department, requester, approver
):
    service = make_service_for("credit_card", department=department)
    make_channel("credit_card", service=service)
    wave = plan_create(
        name="窓口 予定なし",
        methods=[ServiceChannel.objects.get(service=service).method],
        services=[(service, True)],
        phase=Phase.PREPARATION,
    )
    move = scheduled_move(wave, requester, approver)
    with clock_at(move.effective_at):
        apply_due_moves()
    assert list(wave.schedule.values_list("phase", "actual_start")) == [
        (Phase.PILOT, timezone.localdate(move.effective_at))
    ]


def test_a_channel_edited_after_the_approval_is_not_published_and_the_move_says_why(
    preparing, requester, approver, make_user
):
    move = scheduled_move(preparing, requester, approver)
    channel = ServiceChannel.objects.get(service=preparing.plan_services.get(pilot=True).service)
    channel.fee_rate = "9.99"
    channel.save_revision(user=requester)  # a new draft nobody approved with the move
    before = state(preparing)
    with clock_at(move.effective_at + dt.timedelta(minutes=1)):
        assert apply_due_moves() == 0
    move.refresh_from_db()
    assert move.status == PhaseMove.Status.FAILED
    assert "会計課の承認後に変更された" in move.outcome and str(channel) in move.outcome
    assert state(preparing) == before


def test_a_channel_set_up_after_the_approval_is_left_off(
    make_wave, make_service_for, requester, approver
):
    wave = make_wave(phase=Phase.PILOT, services=2, pilot=1)
    move = scheduled_move(wave, requester, approver, to_phase=Phase.ROLLOUT)
    late = make_service_for("credit_card", department=requester.administered_departments.get())
    PlanService.objects.create(plan=wave, service=late, pilot=False)
    added = channel_services.channel_create(
        service=late, method=wave.methods.get(), **valid_config("credit_card")
    )
    with clock_at(move.effective_at + dt.timedelta(minutes=1)):
        assert apply_due_moves() == 1
    added.refresh_from_db()
    assert not added.live
    assert str(added) in status_and_outcome(move)[1]


def status_and_outcome(move):
    move.refresh_from_db()
    return move.status, move.outcome


def test_an_approved_move_without_a_date_left_behind_is_caught_up(preparing, requester, approver):
    """The web request that approved it died before the move took effect."""
    move = move_request(plan=preparing, to_phase=Phase.PILOT, user=requester, reason="開始")
    with mock.patch("workflows.services._take_effect"):
        move_approve(move=move, user=approver)
    assert status_of(move) == PhaseMove.Status.APPROVED
    assert apply_due_moves() == 1
    assert status_of(move) == PhaseMove.Status.APPLIED
    assert state(preparing)[0] == Phase.PILOT


def test_a_move_the_database_keeps_refusing_is_marked_failed_in_the_end(
    preparing, requester, approver, monkeypatch
):
    from django.db import OperationalError

    from workflows.services import MAX_ATTEMPTS

    def busy(*, move_id, user=None):
        raise OperationalError("database is locked")

    move = scheduled_move(preparing, requester, approver)
    monkeypatch.setattr("workflows.services.move_apply", busy)
    with clock_at(move.effective_at + dt.timedelta(minutes=1)):
        for _run in range(MAX_ATTEMPTS - 1):
            apply_due_moves()
            assert status_of(move) == PhaseMove.Status.APPROVED
        apply_due_moves()
    assert status_of(move) == PhaseMove.Status.FAILED
    assert "database is locked" in move.outcome


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_apply_a_move_once(preparing, requester, approver):
    """Two workers claim the same due move at once: one applies it, the other finds it
    taken (PostgreSQL: the second UPDATE waits for the first to commit)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs a server database")
    move = scheduled_move(preparing, requester, approver)
    events = ChannelEvent.objects.count()
    start = threading.Barrier(2)
    results = []

    def run():
        try:
            start.wait()
            with clock_at(move.effective_at + dt.timedelta(minutes=1)):
                results.append(move_apply(move_id=move.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(result is None for result in results) == [False, True]
    assert status_of(move) == PhaseMove.Status.APPLIED
    assert ChannelEvent.objects.count() == events + 1
