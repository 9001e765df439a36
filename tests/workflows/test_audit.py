"""The wave's audit log: every step of a phase move, who took it, when, and the reason or
comment given, as Wagtail's history of the wave shows it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from wagtail.documents import get_document_model
from wagtail.models import ModelLogEntry

from channels import services as channel_services
from channels.models import ServiceChannel
from tests.workflows.conftest import ask, clock_at
from workflows.models import GateItem, PhaseApprovalTask, RolloutPlan
from workflows.phases import Phase
from workflows.services import (
    apply_due_moves,
    move_approve,
    move_reject,
    move_withdraw,
)

MOVE_ACTIONS = "workflows."


def history(wave):
    """The wave's rollout entries, oldest first."""
    return list(
        ModelLogEntry.objects.for_instance(wave)
        .filter(action__startswith=MOVE_ACTIONS)
        .order_by("timestamp", "pk")
    )


def entry(wave, action):
    (found,) = [item for item in history(wave) if item.action == action]
    return found


@pytest.fixture
def contract_gate(preparing):
    return GateItem.objects.create(plan=preparing, phase=Phase.PILOT, label="決済代行業者との契約")


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_a_request_is_logged_with_who_when_and_why(preparing, requester, english):
    before = timezone.now()
    move = ask(preparing, requester, reason="観光客の要望が多い")
    logged = entry(preparing, "workflows.move.request")
    assert logged.user == requester
    assert before <= logged.timestamp <= timezone.now()
    assert logged.data["reason"] == "観光客の要望が多い"
    assert (logged.data["move"], logged.data["from"], logged.data["to"]) == (
        move.pk,
        Phase.PREPARATION,
        Phase.PILOT,
    )
    assert logged.message == "Asked to move from Preparation to Pilot"
    assert logged.comment == "観光客の要望が多い"


def test_a_refused_request_leaves_no_entry(preparing, requester, contract_gate):
    with pytest.raises(ValidationError):
        ask(preparing, requester)
    assert history(preparing) == []


def test_an_approval_and_the_phase_change_are_logged_as_the_approvers(
    preparing, requester, approver, english
):
    move_approve(move=ask(preparing, requester), user=approver, comment="予算確保済み")
    approved = entry(preparing, "workflows.move.approve")
    assert approved.user == approver
    assert (approved.data["comment"], approved.data["approvals"], approved.data["required"]) == (
        "予算確保済み",
        1,
        1,
    )
    assert approved.message == "Approved the move from Preparation to Pilot (1 of 1)"
    assert approved.comment == "予算確保済み"

    changed = entry(preparing, "workflows.phase.change")
    pilot = ServiceChannel.objects.get(live=True)
    assert changed.user == approver
    assert (changed.data["switched_on"], changed.data["switched_off"]) == ([str(pilot)], [])
    assert changed.data["scheduled"] is False
    assert changed.message == (
        "Moved from Preparation to Pilot; channels switched on: 1, switched off: 0"
    )
    assert [item.action for item in history(preparing)] == [
        "workflows.move.request",
        "workflows.move.approve",
        "workflows.phase.change",
    ]


def test_each_of_several_approvals_is_logged_with_the_count(
    preparing, requester, approver, second_approver, english
):
    PhaseApprovalTask.objects.update(required_approvals=2)
    move = ask(preparing, requester)
    move_approve(move=move, user=approver, comment="一人目")
    assert not [item for item in history(preparing) if item.action == "workflows.phase.change"]
    move_approve(move=move, user=second_approver, comment="二人目")
    approvals = [item for item in history(preparing) if item.action == "workflows.move.approve"]
    assert [(item.user, item.data["approvals"], item.comment) for item in approvals] == [
        (approver, 1, "一人目"),
        (second_approver, 2, "二人目"),
    ]
    assert approvals[0].message.endswith("(1 of 2)")
    assert entry(preparing, "workflows.phase.change").user == second_approver


def test_an_override_at_request_keeps_finances_reason_and_the_gates_in_the_log(
    preparing, finance_requester, contract_gate, english
):
    ask(preparing, finance_requester, override_reason="契約は締結済み、書面は後日")
    logged = entry(preparing, "workflows.move.override")
    assert logged.user == finance_requester
    assert logged.data["reason"] == "契約は締結済み、書面は後日"
    assert "決済代行業者との契約 (Not done yet.)" in logged.data["gates"]
    assert logged.message == "Went ahead to Pilot without the gates being met"
    assert logged.comment == "契約は締結済み、書面は後日"


def test_an_override_at_approval_is_logged_as_the_approvers(
    preparing, requester, approver, contract_gate
):
    contract_gate.done = True
    contract_gate.evidence = get_document_model().objects.create(
        title="契約書", file=ContentFile(b"%PDF-1.4", name="contract.pdf")
    )
    contract_gate.save()
    move = ask(preparing, requester)
    assert not [item for item in history(preparing) if item.action == "workflows.move.override"]
    contract_gate.done = False  # the contract fell through meanwhile
    contract_gate.save()

    move_approve(move=move, user=approver, override_reason="新契約を締結中、窓口は先行実施")

    logged = entry(preparing, "workflows.move.override")
    assert logged.user == approver
    assert logged.data["reason"] == "新契約を締結中、窓口は先行実施"
    assert "決済代行業者との契約" in logged.data["gates"]


def test_sending_back_is_logged_with_the_comment(preparing, requester, approver, english):
    move_reject(move=ask(preparing, requester), user=approver, comment="契約書を添付のこと")
    logged = entry(preparing, "workflows.move.reject")
    assert logged.user == approver
    assert logged.data["comment"] == "契約書を添付のこと"
    assert logged.message == "Sent back the move from Preparation to Pilot"
    assert logged.comment == "契約書を添付のこと"


def test_withdrawing_is_logged_as_the_requesters(preparing, requester, english):
    move = ask(preparing, requester)
    move_withdraw(move=move, user=requester)
    logged = entry(preparing, "workflows.move.withdraw")
    assert (logged.user, logged.data["move"]) == (requester, move.pk)
    assert logged.message == "Withdrew the move from Preparation to Pilot"


def scheduled(wave, requester, approver, effective_at):
    move = ask(wave, requester, effective_at=effective_at)
    return move_approve(move=move, user=approver)


def test_a_scheduled_move_logs_its_date_and_later_the_change_by_the_schedule(
    preparing, requester, approver, english
):
    effective_at = timezone.now() + dt.timedelta(hours=1)
    scheduled(preparing, requester, approver, effective_at)
    waiting = entry(preparing, "workflows.move.schedule")
    assert waiting.user == approver
    assert waiting.data["effective_at"] == effective_at.isoformat()
    assert waiting.message == "The move from Preparation to Pilot waits for its date"
    assert not [item for item in history(preparing) if item.action == "workflows.phase.change"]

    run_at = effective_at + dt.timedelta(minutes=3)
    with clock_at(run_at):
        apply_due_moves()
    changed = entry(preparing, "workflows.phase.change")
    # Nobody clicked at that moment: the schedule acts for the approver who let it through.
    assert (changed.user, changed.timestamp, changed.data["scheduled"]) == (approver, run_at, True)


def test_a_move_that_could_not_take_effect_is_logged_with_the_reason(
    preparing, requester, approver, english
):
    effective_at = timezone.now() + dt.timedelta(hours=1)
    scheduled(preparing, requester, approver, effective_at)
    RolloutPlan.objects.filter(pk=preparing.pk).update(phase=Phase.TEST_OPERATION)
    with clock_at(effective_at + dt.timedelta(minutes=1)):
        apply_due_moves()
    failed = entry(preparing, "workflows.move.fail")
    assert failed.user == approver
    assert failed.data["reason"] == (
        "The wave is in Test operation now, not in Preparation as when the move was asked."
    )
    assert failed.message == "The move from Preparation to Pilot could not take effect"
    assert failed.comment == failed.data["reason"]
    assert not [item for item in history(preparing) if item.action == "workflows.phase.change"]


def test_a_move_that_failed_in_the_scheduled_run_is_in_the_log(
    make_wave, requester, approver, monkeypatch
):
    wave = make_wave(phase=Phase.PREPARATION, services=2, pilot=2)

    def switch_on(*, channel, user=None):
        if ServiceChannel.objects.filter(live=True).exists():
            raise RuntimeError("決済端末の設定を取得できません")
        return channel_services.channel_switch_on(channel=channel, user=user)

    monkeypatch.setattr("workflows.services.channel_switch_on", switch_on)
    effective_at = timezone.now() + dt.timedelta(hours=1)
    scheduled(wave, requester, approver, effective_at)
    with clock_at(effective_at + dt.timedelta(minutes=1)):
        apply_due_moves()
    failed = entry(wave, "workflows.move.fail")
    assert failed.user == approver
    assert "決済端末の設定を取得できません" in failed.data["reason"]
    assert not [item for item in history(wave) if item.action == "workflows.phase.change"]
