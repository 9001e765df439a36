"""The phase table and what a move does when it takes effect.

Every pair of phases is either a move the policy allows or one refused with a reason staff
can act on. Taking effect switches on the channels of the phase's services (the pilot set,
then all of them) through the channels' publish path, so integrators see them; suspending
the wave switches off exactly what it switched on, and resuming switches them on again.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from wagtail.models import ModelLogEntry

from channels.models import ChannelEvent, PaymentMethod, ServiceChannel
from channels.services import channel_publish, channel_unpublish
from workflows.models import ChannelSwitch, PhaseMove, RolloutPlan
from workflows.phases import Phase, allowed_moves, check_move
from workflows.services import move_approve, move_request, plan_create

ORDERED = [
    Phase.STUDY,
    Phase.PREPARATION,
    Phase.PILOT,
    Phase.TEST_OPERATION,
    Phase.ROLLOUT,
    Phase.FULL_LAUNCH,
    Phase.OPERATION,
]
ALL_PHASES = [*ORDERED, Phase.SUSPENDED]

# The policy's forward moves, written out from the city's schedule (not read from the
# code): counters pilot before the horizontal rollout, slips go from test operation
# straight to full launch.
FORWARD = {
    (Phase.STUDY, Phase.PREPARATION),
    (Phase.PREPARATION, Phase.PILOT),
    (Phase.PREPARATION, Phase.TEST_OPERATION),
    (Phase.PILOT, Phase.TEST_OPERATION),
    (Phase.PILOT, Phase.ROLLOUT),
    (Phase.TEST_OPERATION, Phase.ROLLOUT),
    (Phase.TEST_OPERATION, Phase.FULL_LAUNCH),
    (Phase.ROLLOUT, Phase.FULL_LAUNCH),
    (Phase.FULL_LAUNCH, Phase.OPERATION),
}
SUSPENSIONS = {(phase, Phase.SUSPENDED) for phase in ORDERED}


def allowed(current, target, resume_phase=""):
    if current == Phase.SUSPENDED:
        return target == resume_phase
    return (current, target) in FORWARD | SUSPENSIONS


def refusal(current, target, resume_phase=""):
    """The message a refused move gives, in English."""
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_move(current, target, resume_phase=resume_phase)
    return " ".join(refused.value.messages)


def move_wave(wave, to_phase, *, requester, approver):
    """Ask for a move and approve it; returns the move, the wave refreshed."""
    move = move_request(plan=wave, to_phase=to_phase, user=requester, reason="次の段階へ")
    move = move_approve(move=move, user=approver)
    wave.refresh_from_db()
    return move


def live(channel):
    channel.refresh_from_db()
    return channel.live


def suspended_wave(make_wave, resume_phase):
    wave = make_wave(phase=Phase.SUSPENDED)
    RolloutPlan.objects.filter(pk=wave.pk).update(resume_phase=resume_phase)
    wave.refresh_from_db()
    return wave


def channels_of(wave):
    """The wave's channels, pilot services first (as ``make_wave`` orders them)."""
    return [
        ServiceChannel.objects.get(service=link.service)
        for link in wave.plan_services.order_by("sort_order")
    ]


# --- The table ------------------------------------------------------------------------


@pytest.mark.parametrize("target", ALL_PHASES)
@pytest.mark.parametrize("current", ORDERED)
def test_every_move_from_a_phase_of_the_policy_is_allowed_or_refused_as_the_table_says(
    current, target
):
    if allowed(current, target):
        check_move(current, target)
    else:
        assert refusal(current, target)


@pytest.mark.parametrize("target", ALL_PHASES)
@pytest.mark.parametrize("resume_phase", ORDERED)
def test_a_suspended_wave_may_only_resume_the_phase_it_left(resume_phase, target):
    if target == resume_phase:
        check_move(Phase.SUSPENDED, target, resume_phase=resume_phase)
    else:
        assert refusal(Phase.SUSPENDED, target, resume_phase=resume_phase)


@pytest.mark.parametrize("current", ORDERED)
def test_every_phase_can_be_suspended(current):
    assert Phase.SUSPENDED in allowed_moves(current)


def test_the_offered_moves_come_in_the_policy_order_with_suspension_last():
    assert allowed_moves(Phase.PREPARATION) == [
        Phase.PILOT,
        Phase.TEST_OPERATION,
        Phase.SUSPENDED,
    ]
    assert allowed_moves(Phase.OPERATION) == [Phase.SUSPENDED]
    assert allowed_moves(Phase.SUSPENDED, resume_phase=Phase.ROLLOUT) == [Phase.ROLLOUT]


def test_going_back_is_refused_with_a_hint_to_suspend():
    message = refusal(Phase.ROLLOUT, Phase.PILOT)
    assert "does not go back from Horizontal rollout to Pilot" in message
    assert "Suspend it" in message


def test_skipping_a_phase_names_the_phases_that_may_follow():
    message = refusal(Phase.STUDY, Phase.ROLLOUT)
    assert "Horizontal rollout cannot follow Study" in message
    assert "the next phase is Preparation" in message
    assert "Pilot / Test operation" in refusal(Phase.PREPARATION, Phase.FULL_LAUNCH)


def test_a_suspended_wave_is_told_which_phase_it_may_resume():
    message = refusal(Phase.SUSPENDED, Phase.ROLLOUT, resume_phase=Phase.PILOT)
    assert "can only resume the phase it left (Pilot)" in message


def test_operation_is_the_last_phase_and_can_only_be_suspended():
    assert "can only be suspended" in refusal(Phase.OPERATION, Phase.FULL_LAUNCH)


def test_staying_in_the_same_phase_and_unknown_phases_are_refused():
    assert "already in Pilot" in refusal(Phase.PILOT, Phase.PILOT)
    assert "already in Suspended" in refusal(
        Phase.SUSPENDED, Phase.SUSPENDED, resume_phase=Phase.PILOT
    )
    assert "“launched” is not a phase" in refusal(Phase.PILOT, "launched")


# --- The table, through requests ------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "target"), sorted(FORWARD | SUSPENSIONS), ids=lambda phase: phase.value
)
def test_an_allowed_move_takes_the_wave_there_once_approved(
    make_wave, requester, approver, current, target
):
    wave = make_wave(phase=current)
    move = move_wave(wave, target, requester=requester, approver=approver)
    assert move.status == PhaseMove.Status.APPLIED
    assert wave.phase == target
    assert wave.resume_phase == (current if target == Phase.SUSPENDED else "")


@pytest.mark.parametrize("resume_phase", ORDERED, ids=lambda phase: phase.value)
def test_a_suspended_wave_resumes_the_phase_it_left_once_approved(
    make_wave, requester, approver, resume_phase
):
    wave = suspended_wave(make_wave, resume_phase)
    move_wave(wave, resume_phase, requester=requester, approver=approver)
    assert (wave.phase, wave.resume_phase) == (resume_phase, "")


@pytest.mark.parametrize("current", ALL_PHASES, ids=lambda phase: phase.value)
def test_a_refused_move_cannot_even_be_asked_for(make_wave, approver, current):
    wave = (
        suspended_wave(make_wave, Phase.PILOT)
        if current == Phase.SUSPENDED
        else make_wave(phase=current)
    )
    refused = [target for target in ALL_PHASES if not allowed(current, target, wave.resume_phase)]
    assert refused
    for target in refused:
        with pytest.raises(ValidationError):
            move_request(plan=wave, to_phase=target, user=approver, reason="試しに")
    assert not PhaseMove.objects.exists()
    wave.refresh_from_db()
    assert wave.phase == current


def test_a_request_to_go_back_says_to_suspend_instead(make_wave, requester):
    wave = make_wave(phase=Phase.ROLLOUT)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        move_request(plan=wave, to_phase=Phase.PILOT, user=requester, reason="戻したい")
    assert "Suspend it if the rollout has to stop" in " ".join(refused.value.messages)


# --- Taking effect: which channels ----------------------------------------------------


def test_the_pilot_phase_switches_on_only_the_pilot_services_channels(
    make_wave, requester, approver, served_methods
):
    wave = make_wave(phase=Phase.PREPARATION, services=3, pilot=2)
    first, second, other = channels_of(wave)
    with translation.override("en"):
        move = move_wave(wave, Phase.PILOT, requester=requester, approver=approver)
    assert [live(first), live(second), live(other)] == [True, True, False]
    assert served_methods(first.service) == ["credit_card"]
    assert served_methods(other.service) == []
    assert {event.channel for event in ChannelEvent.objects.all()} == {first, second}
    assert move.outcome == "Channels switched on: 2; switched off: 0."


def test_the_horizontal_rollout_switches_on_every_service_of_the_wave(
    make_wave, requester, approver, served_methods
):
    wave = make_wave(phase=Phase.PREPARATION, services=3, pilot=1)
    channels = channels_of(wave)
    move_wave(wave, Phase.PILOT, requester=requester, approver=approver)
    move_wave(wave, Phase.ROLLOUT, requester=requester, approver=approver)
    assert all(live(channel) for channel in channels)
    assert [served_methods(channel.service) for channel in channels] == [["credit_card"]] * 3
    # The pilot's channel was already on: the rollout published only the other two.
    assert ChannelEvent.objects.filter(action=ChannelEvent.Action.PUBLISHED).count() == 3


def test_only_the_waves_payment_methods_are_switched_on(
    make_wave, make_channel, requester, approver
):
    wave = make_wave(phase=Phase.PREPARATION, services=1, pilot=1)
    service = wave.plan_services.get().service
    e_money = make_channel("e_money", service=service)
    move_wave(wave, Phase.PILOT, requester=requester, approver=approver)
    assert live(ServiceChannel.objects.get(service=service, method__code="credit_card"))
    assert not live(e_money)


def test_a_wave_with_two_methods_switches_on_both_for_the_pilot(
    make_service_for, make_channel, department, requester, approver
):
    service = make_service_for("credit_card", department=department)
    channels = [make_channel(code, service=service) for code in ("credit_card", "e_money")]
    wave = plan_create(
        name="窓口 カードと電子マネー",
        methods=list(PaymentMethod.objects.filter(code__in=["credit_card", "e_money"])),
        services=[(service, True)],
        phase=Phase.PREPARATION,
    )
    move_wave(wave, Phase.PILOT, requester=requester, approver=approver)
    assert [live(channel) for channel in channels] == [True, True]


def test_a_channel_live_before_the_wave_is_left_alone(make_wave, requester, approver):
    wave = make_wave(phase=Phase.PREPARATION, services=2, pilot=2)
    already, fresh = channels_of(wave)
    already = channel_publish(channel=already)
    published_at = already.last_published_at
    # Staff are working on a change that is not approved yet: the wave must not publish it.
    draft = already.get_latest_revision_as_object()
    draft.merchant_id = "M-DRAFT"
    draft.save_revision()
    events_before = ChannelEvent.objects.filter(channel=already).count()

    with translation.override("en"):
        move = move_wave(wave, Phase.PILOT, requester=requester, approver=approver)

    already.refresh_from_db()
    assert already.live
    assert already.merchant_id == "M-0001"
    assert already.last_published_at == published_at
    assert ChannelEvent.objects.filter(channel=already).count() == events_before
    assert live(fresh)
    assert list(ChannelSwitch.objects.values_list("channel", flat=True)) == [fresh.pk]
    assert move.outcome == "Channels switched on: 1; switched off: 0."


@pytest.mark.parametrize("approved_for_later", [False, True], ids=["draft", "scheduled"])
def test_a_channel_due_to_go_live_later_is_switched_on_now(
    make_wave, make_channel, make_service_for, department, requester, approver, approved_for_later
):
    service = make_service_for("credit_card", department=department)
    later = timezone.now() + dt.timedelta(days=30)
    channel = make_channel(
        "credit_card", service=service, go_live_at=later, publish=approved_for_later
    )
    assert not channel.live
    wave = plan_create(
        name="出島 先行導入",
        methods=[channel.method],
        services=[(service, True)],
        phase=Phase.PREPARATION,
    )
    before = timezone.now()
    move_wave(wave, Phase.PILOT, requester=requester, approver=approver)
    channel.refresh_from_db()
    assert channel.live
    assert channel.last_published_at >= before
    assert channel.go_live_at is None
    # Nothing is left to publish it a second time at the old date.
    assert not channel.revisions.filter(approved_go_live_at__isnull=False).exists()


def test_the_published_channel_is_logged_as_the_approvers_doing(make_wave, requester, approver):
    wave = make_wave(phase=Phase.PREPARATION, services=1)
    (channel,) = channels_of(wave)
    move_wave(wave, Phase.PILOT, requester=requester, approver=approver)
    entry = ModelLogEntry.objects.for_instance(channel).get(action="wagtail.publish")
    assert entry.user == approver


# --- Suspending and resuming ----------------------------------------------------------


@pytest.fixture
def rolled_out(make_wave, make_channel, requester, approver):
    """A wave in the horizontal rollout: three services, the first two switched on by the
    wave, the third's channel published before the wave ever started."""
    wave = make_wave(phase=Phase.PREPARATION, services=3, pilot=1)
    pilot, second, before = channels_of(wave)
    channel_publish(channel=before)
    move_wave(wave, Phase.PILOT, requester=requester, approver=approver)
    move_wave(wave, Phase.ROLLOUT, requester=requester, approver=approver)
    return wave, pilot, second, before


def test_suspending_switches_off_what_the_wave_switched_on_and_nothing_else(
    rolled_out, requester, approver, served_methods
):
    wave, pilot, second, before = rolled_out
    assert served_methods(pilot.service) == ["credit_card"]
    cursor = ChannelEvent.objects.order_by("cursor").last().cursor

    with translation.override("en"):
        move = move_wave(wave, Phase.SUSPENDED, requester=requester, approver=approver)

    assert (wave.phase, wave.resume_phase) == (Phase.SUSPENDED, Phase.ROLLOUT)
    assert [live(pilot), live(second), live(before)] == [False, False, True]
    assert served_methods(pilot.service) == []
    assert served_methods(second.service) == []
    assert served_methods(before.service) == ["credit_card"]
    feed = ChannelEvent.objects.filter(cursor__gt=cursor).order_by("cursor")
    assert [(event.action, event.channel) for event in feed] == [
        (ChannelEvent.Action.UNPUBLISHED, pilot),
        (ChannelEvent.Action.UNPUBLISHED, second),
    ]
    assert move.outcome == "Channels switched on: 0; switched off: 2."


def test_resuming_switches_the_waves_channels_on_again(
    rolled_out, requester, approver, served_methods
):
    wave, pilot, second, before = rolled_out
    move_wave(wave, Phase.SUSPENDED, requester=requester, approver=approver)
    cursor = ChannelEvent.objects.order_by("cursor").last().cursor

    move_wave(wave, Phase.ROLLOUT, requester=requester, approver=approver)

    assert (wave.phase, wave.resume_phase) == (Phase.ROLLOUT, "")
    assert [live(pilot), live(second), live(before)] == [True, True, True]
    assert served_methods(second.service) == ["credit_card"]
    feed = ChannelEvent.objects.filter(cursor__gt=cursor).order_by("cursor")
    assert [(event.action, event.channel) for event in feed] == [
        (ChannelEvent.Action.PUBLISHED, pilot),
        (ChannelEvent.Action.PUBLISHED, second),
    ]


def test_a_second_suspension_switches_off_what_the_resumed_wave_switched_on(
    rolled_out, requester, approver
):
    wave, pilot, second, before = rolled_out
    for phase in (Phase.SUSPENDED, Phase.ROLLOUT, Phase.SUSPENDED):
        move_wave(wave, phase, requester=requester, approver=approver)
    assert [live(pilot), live(second), live(before)] == [False, False, True]
    assert not ChannelSwitch.objects.filter(switched_off_by=None).exists()


def test_a_channel_staff_switched_off_meanwhile_stays_off_without_a_second_event(
    rolled_out, requester, approver
):
    wave, pilot, second, before = rolled_out
    channel_unpublish(channel=ServiceChannel.objects.get(pk=second.pk))
    unpublished = ChannelEvent.objects.filter(channel=second, action="unpublished").count()
    move_wave(wave, Phase.SUSPENDED, requester=requester, approver=approver)
    assert not live(second)
    assert ChannelEvent.objects.filter(channel=second, action="unpublished").count() == unpublished


def test_a_suspended_wave_cannot_jump_to_another_phase_when_resuming(
    rolled_out, requester, approver
):
    wave, *_channels = rolled_out
    move_wave(wave, Phase.SUSPENDED, requester=requester, approver=approver)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        move_request(plan=wave, to_phase=Phase.FULL_LAUNCH, user=requester, reason="再開")
    assert "resume the phase it left (Horizontal rollout)" in " ".join(refused.value.messages)
