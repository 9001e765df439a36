"""Asking finance to move a wave, and finance approving, sending back or the requester
withdrawing.

Nothing happens to the wave or its channels until finance approves; the requester never
approves their own request; a department administrator asks only for their own services;
gates that are not met stop the request unless finance writes why the wave goes ahead.
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from wagtail.documents import get_document_model

from catalog import roles
from channels.models import (
    ChannelEvent,
    CollectionRecord,
    PaymentMethod,
    ServiceChannel,
)
from tests.workflows.conftest import ask
from workflows.models import GateItem, PhaseApprovalTask, PhaseMove
from workflows.phases import Phase
from workflows.selectors import (
    approvals_needed,
    moves_awaiting,
    user_may_approve,
)
from workflows.services import (
    move_approve,
    move_reject,
    move_withdraw,
    plan_create,
)


def refusal(call, **kwargs):
    """Run ``call`` expecting a ValidationError; its messages, in English, as one text."""
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        call(**kwargs)
    return " ".join(refused.value.messages)


def phase_of(wave):
    wave.refresh_from_db()
    return wave.phase


def live_channels():
    return set(ServiceChannel.objects.filter(live=True))


def pilot_service(wave):
    return wave.plan_services.get(pilot=True).service


def gate(wave, phase=Phase.PILOT, **fields):
    fields.setdefault("label", "決済代行業者との契約締結")
    return GateItem.objects.create(plan=wave, phase=phase, **fields)


def document(title="契約書"):
    return get_document_model().objects.create(
        title=title, file=ContentFile(b"%PDF-1.4 contract", name="contract.pdf")
    )


# --- Approval is required -------------------------------------------------------------


def test_a_request_changes_nothing_until_finance_approves(
    preparing, requester, approver, served_methods
):
    service = pilot_service(preparing)
    move = ask(preparing, requester)

    assert move.status == PhaseMove.Status.IN_REVIEW
    assert phase_of(preparing) == Phase.PREPARATION
    assert live_channels() == set()
    assert not ChannelEvent.objects.exists()
    assert served_methods(service) == []
    assert approvals_needed(move) == (0, 1)

    move = move_approve(move=move, user=approver, comment="了承")

    assert move.status == PhaseMove.Status.APPLIED
    assert phase_of(preparing) == Phase.PILOT
    assert served_methods(service) == ["credit_card"]


def test_a_request_needs_a_reason(preparing, requester):
    with pytest.raises(ValidationError) as refused:
        ask(preparing, requester, reason="  ")
    assert "reason" in refused.value.message_dict
    assert not PhaseMove.objects.exists()


def test_a_date_to_take_effect_must_lie_ahead(preparing, requester):
    past = timezone.now() - dt.timedelta(minutes=1)
    with pytest.raises(ValidationError) as refused:
        ask(preparing, requester, effective_at=past)
    assert "effective_at" in refused.value.message_dict


# --- Who approves ---------------------------------------------------------------------


def test_finance_cannot_approve_a_move_they_asked_for_themselves(
    preparing, finance_requester, approver
):
    move = ask(preparing, finance_requester)
    assert not user_may_approve(finance_requester, move)
    with pytest.raises(PermissionDenied):
        move_approve(move=move, user=finance_requester)
    assert approvals_needed(move) == (0, 1)
    assert phase_of(preparing) == Phase.PREPARATION
    assert user_may_approve(approver, move)
    move_approve(move=move, user=approver)
    assert phase_of(preparing) == Phase.PILOT


def test_the_requesting_department_administrator_cannot_approve(preparing, requester):
    move = ask(preparing, requester)
    assert not user_may_approve(requester, move)
    with pytest.raises(PermissionDenied):
        move_approve(move=move, user=requester)
    assert PhaseMove.objects.get().status == PhaseMove.Status.IN_REVIEW


def test_another_department_administrator_cannot_approve(
    preparing, requester, make_user, department
):
    colleague = make_user(roles.DEPARTMENT_ADMIN, departments=[department])
    move = ask(preparing, requester)
    assert not user_may_approve(colleague, move)
    with pytest.raises(PermissionDenied):
        move_approve(move=move, user=colleague)
    assert approvals_needed(move) == (0, 1)
    assert phase_of(preparing) == Phase.PREPARATION


def test_the_same_approver_cannot_approve_twice(preparing, requester, approver):
    PhaseApprovalTask.objects.update(required_approvals=2)
    move = ask(preparing, requester)
    move_approve(move=move, user=approver)
    assert not user_may_approve(approver, move)
    message = refusal(move_approve, move=move, user=approver)
    assert "already approved" in message
    assert approvals_needed(move) == (1, 2)
    assert phase_of(preparing) == Phase.PREPARATION


def test_a_move_that_took_effect_cannot_be_approved_again(
    preparing, requester, approver, second_approver
):
    move = move_approve(move=ask(preparing, requester), user=approver)
    assert not user_may_approve(second_approver, move)
    assert "no longer waiting" in refusal(move_approve, move=move, user=second_approver)


def test_only_other_finance_members_find_the_request_waiting_for_them(
    preparing, finance_requester, approver, second_approver, requester
):
    PhaseApprovalTask.objects.update(required_approvals=2)
    move = ask(preparing, finance_requester)
    assert list(moves_awaiting(approver)) == [move]
    assert list(moves_awaiting(finance_requester)) == []
    assert list(moves_awaiting(requester)) == []
    move_approve(move=move, user=approver)
    assert list(moves_awaiting(approver)) == []
    assert list(moves_awaiting(second_approver)) == [move]
    move_approve(move=move, user=second_approver)
    assert list(moves_awaiting(second_approver)) == []


# --- Several approvers ----------------------------------------------------------------


def test_with_two_approvals_required_the_first_leaves_the_move_waiting(
    preparing, requester, approver, second_approver
):
    task = PhaseApprovalTask.objects.get()
    task.required_approvals = 2
    task.save()
    move = ask(preparing, requester)

    move = move_approve(move=move, user=approver)

    assert move.status == PhaseMove.Status.IN_REVIEW
    assert approvals_needed(move) == (1, 2)
    assert phase_of(preparing) == Phase.PREPARATION
    assert live_channels() == set()
    assert user_may_approve(second_approver, move)

    move = move_approve(move=move, user=second_approver)

    assert move.status == PhaseMove.Status.APPLIED
    assert phase_of(preparing) == Phase.PILOT
    assert live_channels() == {ServiceChannel.objects.get(service=pilot_service(preparing))}
    assert list(move.approvals.values_list("approver", flat=True)) == [
        approver.pk,
        second_approver.pk,
    ]


def test_a_requester_from_finance_is_not_one_of_the_two_approvers(
    preparing, finance_requester, approver, second_approver
):
    PhaseApprovalTask.objects.update(required_approvals=2)
    move = ask(preparing, finance_requester)
    move_approve(move=move, user=approver)
    with pytest.raises(PermissionDenied):
        move_approve(move=move, user=finance_requester)
    assert approvals_needed(move) == (1, 2)
    move = move_approve(move=move, user=second_approver)
    assert move.status == PhaseMove.Status.APPLIED


# --- Gates ----------------------------------------------------------------------------


def test_a_checklist_item_not_done_blocks_the_request_naming_it(preparing, requester):
    gate(preparing, label="決済代行業者との契約締結")
    message = refusal(ask, wave=preparing, user=requester)
    assert "The gates of Pilot are not met" in message
    assert "決済代行業者との契約締結 (Not done yet.)" in message
    assert not PhaseMove.objects.exists()


def test_a_checklist_item_ticked_without_evidence_blocks_the_request(preparing, requester):
    gate(preparing, label="端末の動作確認", done=True)
    message = refusal(ask, wave=preparing, user=requester)
    assert "端末の動作確認 (Done, but no evidence is attached.)" in message


def test_a_checklist_item_done_with_its_evidence_lets_the_request_through(
    preparing, requester, approver
):
    gate(preparing, done=True, evidence=document("契約書（写）"))
    gate(preparing, phase=Phase.ROLLOUT, label="横展開の説明会")  # a later phase's gate
    move = move_approve(move=ask(preparing, requester), user=approver)
    assert move.status == PhaseMove.Status.APPLIED


def record(service, method_code, period, count, amount):
    return CollectionRecord.objects.create(
        service=service,
        method=PaymentMethod.objects.get(code=method_code),
        period=period,
        payment_count=count,
        amount=amount,
        on_time_count=count,
    )


@pytest.fixture
def piloting(make_wave):
    return make_wave(phase=Phase.PILOT)


@pytest.fixture
def pilot_records(piloting):
    """Collection records: 60 card payments (¥180,000) at the pilot service over two
    months, and payments that must not count: the other service's, and another method's."""
    pilot = pilot_service(piloting)
    other = piloting.plan_services.get(pilot=False).service
    record(pilot, "credit_card", dt.date(2024, 4, 1), 40, 120_000)
    record(pilot, "credit_card", dt.date(2024, 5, 1), 20, 60_000)
    record(other, "credit_card", dt.date(2024, 4, 1), 500, 1_500_000)
    record(pilot, "e_money", dt.date(2024, 4, 1), 500, 1_500_000)
    return pilot


def threshold(wave, metric, target, comparison=GateItem.Comparison.AT_LEAST, **fields):
    return gate(
        wave,
        phase=Phase.TEST_OPERATION,
        kind=GateItem.Kind.THRESHOLD,
        label=fields.pop("label", "先行導入の利用件数"),
        metric=metric,
        comparison=comparison,
        target=target,
        **fields,
    )


@pytest.mark.parametrize(
    ("metric", "target", "measured"),
    [
        (GateItem.Metric.PILOT_PAYMENTS, 61, "60"),
        (GateItem.Metric.PILOT_AMOUNT, 180_001, "180,000"),
    ],
)
def test_a_threshold_measured_from_the_pilot_collections_blocks_when_not_reached(
    piloting, pilot_records, requester, metric, target, measured
):
    threshold(piloting, metric, target)
    message = refusal(ask, wave=piloting, user=requester, to_phase=Phase.TEST_OPERATION)
    assert f"先行導入の利用件数 (Measured {measured} (wanted: at least {target:,}).)" in message


@pytest.mark.parametrize(
    ("metric", "target"),
    [(GateItem.Metric.PILOT_PAYMENTS, 60), (GateItem.Metric.PILOT_AMOUNT, 180_000)],
)
def test_a_threshold_reached_by_the_pilot_collections_lets_the_request_through(
    piloting, pilot_records, requester, metric, target
):
    threshold(piloting, metric, target)
    assert ask(piloting, requester, to_phase=Phase.TEST_OPERATION).to_phase == (
        Phase.TEST_OPERATION
    )


@pytest.mark.parametrize(
    ("measured_value", "detail"),
    [
        (None, "Not measured yet (wanted: at most 0)."),
        (3, "Measured 3 (wanted: at most 0)."),
    ],
)
def test_a_figure_entered_by_staff_blocks_when_missing_or_off_target(
    piloting, requester, measured_value, detail
):
    threshold(
        piloting,
        GateItem.Metric.MANUAL,
        0,
        comparison=GateItem.Comparison.AT_MOST,
        label="収納データの不一致件数",
        measured_value=measured_value,
    )
    message = refusal(ask, wave=piloting, user=requester, to_phase=Phase.TEST_OPERATION)
    assert f"収納データの不一致件数 ({detail})" in message


def test_a_figure_entered_by_staff_on_target_lets_the_request_through(piloting, requester):
    threshold(
        piloting,
        GateItem.Metric.MANUAL,
        0,
        comparison=GateItem.Comparison.AT_MOST,
        measured_value=0,
    )
    move = ask(piloting, requester, to_phase=Phase.TEST_OPERATION)
    assert move.status == PhaseMove.Status.IN_REVIEW


def test_a_covered_service_without_a_channel_is_an_unmet_gate(
    make_service_for, make_channel, department, requester
):
    pilot, later = (make_service_for("credit_card", department=department) for _ in range(2))
    make_channel("credit_card", service=pilot)
    wave = plan_create(
        name="窓口 一部未設定",
        methods=[PaymentMethod.objects.get(code="credit_card")],
        services=[(pilot, True), (later, False)],
        phase=Phase.PILOT,
    )
    message = refusal(ask, wave=wave, user=requester, to_phase=Phase.ROLLOUT)
    assert "Every service the phase covers has its channels set up" in message
    assert f"Missing: {later.code} {later.name}／クレジットカード" in message
    assert pilot.code not in message


def test_the_pilot_gate_names_only_the_pilot_service_missing_its_channel(make_wave, requester):
    wave = make_wave(phase=Phase.PREPARATION, channels=False)
    later = wave.plan_services.get(pilot=False).service
    message = refusal(ask, wave=wave, user=requester)
    assert f"Missing: {pilot_service(wave).code}" in message
    assert later.code not in message


def test_a_department_administrator_cannot_go_ahead_without_the_gates(preparing, requester):
    gate(preparing)
    message = refusal(ask, wave=preparing, user=requester, override_reason="急ぎのため")
    assert "Only finance may go ahead without the gates." in message
    assert not PhaseMove.objects.exists()


def test_finance_goes_ahead_without_the_gates_with_a_written_reason(
    preparing, finance_requester, approver
):
    gate(preparing)
    move = ask(preparing, finance_requester, override_reason="  契約は締結済み、書面は後日  ")
    assert move.override_reason == "契約は締結済み、書面は後日"
    # The request carries the reason: the approver need not write another.
    move = move_approve(move=move, user=approver)
    assert move.status == PhaseMove.Status.APPLIED
    assert move.override_reason == "契約は締結済み、書面は後日"
    assert phase_of(preparing) == Phase.PILOT


def test_an_override_reason_is_not_kept_when_the_gates_are_met(preparing, finance_requester):
    move = ask(preparing, finance_requester, override_reason="念のため")
    assert move.override_reason == ""


def test_gates_unmet_by_the_time_of_approval_need_the_approvers_reason(
    preparing, requester, approver
):
    evidence = document()
    gate(preparing, done=True, evidence=evidence, label="契約締結")
    move = ask(preparing, requester)
    evidence.delete()  # the contract was withdrawn from the library meanwhile

    message = refusal(move_approve, move=move, user=approver)
    assert "契約締結 (Done, but no evidence is attached.)" in message
    assert "Write why the wave may go ahead anyway" in message
    assert phase_of(preparing) == Phase.PREPARATION
    assert approvals_needed(move) == (0, 1)

    move = move_approve(move=move, user=approver, override_reason="契約書は再登録中")
    assert move.status == PhaseMove.Status.APPLIED
    assert move.approvals.get().override_reason == "契約書は再登録中"


# --- Department scoping ---------------------------------------------------------------


@pytest.fixture
def mixed_wave(make_service_for, make_channel, make_department, department):
    """A wave in the pilot phase: our pilot service and a service of another department."""
    ours = make_service_for("credit_card", department=department)
    theirs = make_service_for("credit_card", department=make_department(name="納税課"))
    for service in (ours, theirs):
        make_channel("credit_card", service=service)
    return plan_create(
        name="窓口 二課合同",
        methods=[PaymentMethod.objects.get(code="credit_card")],
        services=[(ours, True), (theirs, False)],
        phase=Phase.PILOT,
    )


@pytest.mark.parametrize("to_phase", [Phase.TEST_OPERATION, Phase.ROLLOUT, Phase.SUSPENDED])
def test_a_department_administrator_cannot_move_another_departments_services(
    mixed_wave, requester, to_phase
):
    with pytest.raises(PermissionDenied):
        ask(mixed_wave, requester, to_phase=to_phase)
    assert not PhaseMove.objects.exists()


def test_a_department_administrator_without_a_department_cannot_ask(make_wave, make_user):
    nobody = make_user(roles.DEPARTMENT_ADMIN)
    with pytest.raises(PermissionDenied):
        ask(make_wave(phase=Phase.PREPARATION), nobody)


def test_a_department_administrator_of_another_department_cannot_ask(
    make_wave, make_user, make_department
):
    stranger = make_user(roles.DEPARTMENT_ADMIN, departments=[make_department()])
    with pytest.raises(PermissionDenied):
        ask(make_wave(phase=Phase.PREPARATION), stranger)


def test_finance_may_ask_to_move_any_wave(mixed_wave, finance_requester, approver):
    move = ask(mixed_wave, finance_requester, to_phase=Phase.ROLLOUT)
    move_approve(move=move, user=approver)
    assert phase_of(mixed_wave) == Phase.ROLLOUT
    assert ServiceChannel.objects.filter(live=True).count() == 2


# --- Sending back and withdrawing -----------------------------------------------------


@pytest.mark.parametrize("comment", ["", "   "])
def test_sending_a_request_back_needs_a_comment(preparing, requester, approver, comment):
    move = ask(preparing, requester)
    with pytest.raises(ValidationError) as refused:
        move_reject(move=move, user=approver, comment=comment)
    assert "comment" in refused.value.message_dict
    assert PhaseMove.objects.get().status == PhaseMove.Status.IN_REVIEW


def test_a_request_sent_back_changes_nothing_and_may_be_asked_again(preparing, requester, approver):
    move = move_reject(move=ask(preparing, requester), user=approver, comment="契約書を添付のこと")
    assert move.status == PhaseMove.Status.REJECTED
    assert phase_of(preparing) == Phase.PREPARATION
    assert live_channels() == set()
    assert "no longer waiting" in refusal(move_approve, move=move, user=approver)

    again = ask(preparing, requester, reason="契約書を添付しました")
    move_approve(move=again, user=approver)
    assert phase_of(preparing) == Phase.PILOT


def test_a_department_administrator_cannot_send_a_request_back(
    preparing, requester, make_user, department
):
    colleague = make_user(roles.DEPARTMENT_ADMIN, departments=[department])
    move = ask(preparing, requester)
    with pytest.raises(PermissionDenied):
        move_reject(move=move, user=colleague, comment="不要")
    assert PhaseMove.objects.get().status == PhaseMove.Status.IN_REVIEW


def test_a_wave_has_only_one_open_request(preparing, requester, finance_requester):
    ask(preparing, requester)
    message = refusal(ask, wave=preparing, user=finance_requester, to_phase=Phase.SUSPENDED)
    assert "already has a request waiting" in message
    assert PhaseMove.objects.count() == 1


def test_the_requester_withdraws_and_may_ask_again(preparing, requester, approver):
    move = move_withdraw(move=ask(preparing, requester), user=requester)
    assert move.status == PhaseMove.Status.CANCELLED
    assert move.current_workflow_state is None
    assert approvals_needed(move) is None
    assert not user_may_approve(approver, move)
    assert "no longer waiting" in refusal(move_approve, move=move, user=approver)
    assert phase_of(preparing) == Phase.PREPARATION

    move_approve(move=ask(preparing, requester), user=approver)
    assert phase_of(preparing) == Phase.PILOT


def test_finance_may_withdraw_someone_elses_request(preparing, requester, approver):
    move = move_withdraw(move=ask(preparing, requester), user=approver)
    assert move.status == PhaseMove.Status.CANCELLED


def test_another_department_administrator_cannot_withdraw(
    preparing, requester, make_user, department
):
    colleague = make_user(roles.DEPARTMENT_ADMIN, departments=[department])
    with pytest.raises(PermissionDenied):
        move_withdraw(move=ask(preparing, requester), user=colleague)
    assert PhaseMove.objects.get().status == PhaseMove.Status.IN_REVIEW


def test_a_move_that_took_effect_cannot_be_withdrawn(preparing, requester, approver):
    move = move_approve(move=ask(preparing, requester), user=approver)
    assert "has not taken effect" in refusal(move_withdraw, move=move, user=requester)
    assert PhaseMove.objects.get().status == PhaseMove.Status.APPLIED
    assert phase_of(preparing) == Phase.PILOT


def test_a_request_sent_back_leaves_no_open_wagtail_workflow(preparing, requester, approver):
    from wagtail.models import WorkflowState

    move = ask(preparing, requester)
    move_reject(move=move, user=approver, comment="証跡が足りません")
    assert not WorkflowState.objects.active().exists()
    assert ask(preparing, requester).status == PhaseMove.Status.IN_REVIEW


def test_a_channel_two_waves_share_goes_off_when_the_last_of_them_is_suspended(
    make_wave, requester, approver, finance_requester
):
    first = make_wave(phase=Phase.PREPARATION, services=1, pilot=1)
    shared = first.plan_services.get().service
    second = plan_create(
        name="窓口 第二弾",
        methods=list(first.methods.all()),
        services=[(shared, True)],
        phase=Phase.PILOT,
    )
    move_approve(move=ask(first, requester), user=approver)
    channel = ServiceChannel.objects.get(service=shared)
    assert channel.live

    suspend = ask(first, finance_requester, to_phase=Phase.SUSPENDED, reason="障害対応")
    move_approve(move=suspend, user=approver)
    assert phase_of(first) == Phase.SUSPENDED
    channel.refresh_from_db()
    assert channel.live, "the second wave still has it on in its pilot"

    suspend = ask(second, finance_requester, to_phase=Phase.SUSPENDED, reason="障害対応")
    move_approve(move=suspend, user=approver)
    channel.refresh_from_db()
    assert not channel.live, "no wave has it on any more"


@pytest.fixture
def two_waves_sharing(make_service_for, make_channel, department):
    """Waves A and B in preparation whose only pilot service is the same: one channel X
    (due to go live in a month, so switching it on saves a revision without the date)."""
    from django.utils import timezone

    shared = make_service_for("credit_card", department=department)
    channel = make_channel(
        "credit_card", service=shared, go_live_at=timezone.now() + dt.timedelta(days=30)
    )
    methods = [channel.method]
    first = plan_create(
        name="A", methods=methods, services=[(shared, True)], phase=Phase.PREPARATION
    )
    second = plan_create(
        name="B", methods=methods, services=[(shared, True)], phase=Phase.PREPARATION
    )
    return first, second, channel


def test_a_shared_channel_another_wave_switched_off_comes_on_with_a_dated_move(
    two_waves_sharing, requester, approver, finance_requester
):
    from tests.workflows.conftest import clock_at
    from workflows.services import apply_due_moves

    first, second, channel = two_waves_sharing
    when = timezone.now() + dt.timedelta(hours=1)
    # B's move is approved while X is still off; then A switches X on (saving a revision
    # without its date) and is suspended again before B's date comes.
    move_approve(move=ask(second, requester, effective_at=when), user=approver)
    move_approve(move=ask(first, requester), user=approver)
    channel.refresh_from_db()
    assert channel.live
    move_approve(
        move=ask(first, finance_requester, to_phase=Phase.SUSPENDED, reason="障害"),
        user=approver,
    )
    channel.refresh_from_db()
    assert not channel.live

    with clock_at(when + dt.timedelta(minutes=1)):
        assert apply_due_moves() == 1
    assert phase_of(second) == Phase.PILOT
    channel.refresh_from_db()
    assert channel.live, "B's pilot has it on: the revision A published is no new change"


def test_a_shared_channel_that_was_on_at_approval_comes_on_again(
    two_waves_sharing, requester, approver, finance_requester
):
    from tests.workflows.conftest import clock_at
    from workflows.services import apply_due_moves

    first, second, channel = two_waves_sharing
    move_approve(move=ask(first, requester), user=approver)  # X on, by A
    when = timezone.now() + dt.timedelta(hours=1)
    move_approve(move=ask(second, requester, effective_at=when), user=approver)
    move_approve(
        move=ask(first, finance_requester, to_phase=Phase.SUSPENDED, reason="障害"),
        user=approver,
    )
    channel.refresh_from_db()
    assert not channel.live  # B was not yet in its pilot, so nothing held it
    with clock_at(when + dt.timedelta(minutes=1)):
        assert apply_due_moves() == 1
    channel.refresh_from_db()
    assert channel.live


def test_two_requests_at_once_meet_the_databases_one_open_request_rule(
    preparing, requester, monkeypatch
):
    """Both passed the check before either was saved: the constraint refuses the second
    with the same message, not an error page."""
    ask(preparing, requester)
    monkeypatch.setattr("workflows.services.open_move", lambda plan: None)
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        ask(preparing, requester)
    assert "already has a request waiting" in " ".join(refused.value.messages)
    assert PhaseMove.objects.filter(plan=preparing).count() == 1
