"""Writes for rollout waves: creating them, and asking, approving and carrying out moves
from one phase to the next.

A move is a :class:`~workflows.models.PhaseMove` that runs through finance's Wagtail
workflow. The last approval lets it take effect, at once or at its date; taking effect
switches the wave's channels through the channels' own publish path, records the actual
dates in the schedule and moves the wave, all in one transaction and exactly once
(:func:`move_apply` claims the move by its status). Every step is in the audit log of the
wave: who, when, what and why.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import WorkflowState

from channels.services import channel_switch_on, channel_unpublish
from workflows.models import (
    ChannelSwitch,
    PhaseApproval,
    PhaseMove,
    PlanPhase,
    PlanService,
    RolloutPlan,
)
from workflows.permissions import can_request_moves, decides_moves, may_withdraw
from workflows.phases import Phase, check_move, label, position
from workflows.selectors import (
    current_approval,
    is_approver,
    open_move,
    open_switches,
    scope_slots,
    services_in_scope,
    unmet_gates,
)

logger = logging.getLogger(__name__)

#: How many runs a move may fail for want of the database before it is marked failed.
MAX_ATTEMPTS = 10


def plan_create(
    *, name, methods, services, schedule=(), phase=Phase.STUDY, description="", user=None
):
    """Create a wave. ``services`` is a list of ``(service, pilot)``; ``schedule`` a list of
    dicts with ``phase`` and any of the planned/actual start/end dates."""
    plan = RolloutPlan(name=name, description=description, phase=phase)
    plan.full_clean()
    cash = [method.name for method in methods if method.is_cash]
    if cash:
        raise ValidationError(
            {
                "methods": _("Cash is never switched on by a wave: %(methods)s.")
                % {"methods": "、".join(cash)}
            }
        )
    with transaction.atomic():
        plan.methods.set(methods)
        plan.save()  # a cluster's many-to-many is written when it is saved
        for order, (service, pilot) in enumerate(services):
            PlanService.objects.create(plan=plan, service=service, pilot=pilot, sort_order=order)
        for row in schedule:
            entry = PlanPhase(plan=plan, sort_order=position(row["phase"]), **row)
            entry.full_clean()
            entry.save()
        log(plan, "wagtail.create", user=user)
    return plan


def _gate_summary(unmet):
    return "; ".join(f"{result.label} ({result.detail})" for result in unmet)


def move_request(*, plan, to_phase, user, reason, effective_at=None, override_reason=""):
    """Ask finance to move ``plan`` to ``to_phase``.

    Refused when the move is not in the phase table, when the wave already has an open
    request, when the move touches services outside the requester's departments, or when
    the gates of the phase are not met — unless an approver of finance writes why the wave
    goes ahead anyway (``override_reason``).
    """
    if not can_request_moves(user, plan):
        raise PermissionDenied(
            _("You may only ask to move waves whose services all belong to your departments.")
        )
    check_move(plan.phase, to_phase, resume_phase=plan.resume_phase)
    reason = (reason or "").strip()
    override_reason = (override_reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Say why the wave should move.")
    if effective_at and effective_at <= timezone.now():
        errors["effective_at"] = _("The date must be in the future; leave it empty for at once.")
    if override_reason and not decides_moves(user):
        errors["override_reason"] = _("Only finance may go ahead without the gates.")
    unmet = unmet_gates(plan, to_phase)
    if unmet and not override_reason and "override_reason" not in errors:
        errors["override_reason"] = _(
            "The gates of %(phase)s are not met: %(gates)s. Finance may go ahead anyway "
            "with a written reason."
        ) % {"phase": label(to_phase), "gates": _gate_summary(unmet)}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan = RolloutPlan.objects.select_for_update().get(pk=plan.pk)
        if open_move(plan):
            raise _already_waiting()
        check_move(plan.phase, to_phase, resume_phase=plan.resume_phase)
        move = _create_move(
            plan=plan,
            from_phase=plan.phase,
            to_phase=to_phase,
            effective_at=effective_at,
            reason=reason,
            override_reason=override_reason if unmet else "",
            requested_by=user,
            live=False,
        )
        move.save_revision(user=user)
        workflow = move.get_workflow()
        if workflow is None:
            raise ValidationError(_("No approval workflow is set up for phase moves."))
        workflow.start(move, user)
        _log(plan, "workflows.move.request", user, move, reason=reason)
        if move.override_reason:
            _log(
                plan,
                "workflows.move.override",
                user,
                move,
                reason=move.override_reason,
                gates=_gate_summary(unmet),
            )
    return move


def _create_move(**fields):
    """Create the request; a second one for the same wave at the same moment hits the
    database's one-open-request constraint and gets the same answer as above."""
    try:
        with transaction.atomic():
            return PhaseMove.objects.create(**fields)
    except IntegrityError:
        raise _already_waiting() from None


def _already_waiting():
    return ValidationError(
        _("This wave already has a request waiting; withdraw it or wait for its outcome.")
    )


def _log(plan, action, user, move, **data):
    log(
        plan,
        action,
        user=user,
        data={
            "move": move.pk,
            "from": move.from_phase,
            "to": move.to_phase,
            **data,
        },
    )


def _locked_open_move(move, status=PhaseMove.Status.IN_REVIEW):
    move = PhaseMove.objects.select_for_update().select_related("plan").get(pk=move.pk)
    if move.status != status:
        raise ValidationError(
            _("This request is no longer waiting for approval (%(status)s).")
            % {"status": move.get_status_display()}
        )
    return move


def _current_task(move):
    task_state, task = current_approval(move)
    if task_state is None:
        raise ValidationError(_("This request is no longer waiting for approval."))
    return task_state, task


def move_approve(*, move, user, comment="", override_reason=""):
    """One finance approval of a move. When enough different approvers have said yes the
    task is approved; when the workflow is through, the move takes effect (now, or at its
    date). The requester never approves their own request; gates not met need a written
    reason from the approver unless the request already carries one."""
    override_reason = (override_reason or "").strip()
    with transaction.atomic():
        move = _locked_open_move(move)
        task_state, task = _current_task(move)
        if not is_approver(user, task):
            raise PermissionDenied(_("Only finance's approvers may approve phase moves."))
        if move.requested_by_id == user.pk:
            raise PermissionDenied(
                _("You asked for this move yourself; another member of finance must approve it.")
            )
        if task_state.phase_approvals.filter(approver=user).exists():
            raise ValidationError(_("You have already approved this request."))
        unmet = unmet_gates(move.plan, move.to_phase)
        if unmet and not move.override_reason and not override_reason:
            raise ValidationError(
                {
                    "override_reason": _(
                        "The gates of %(phase)s are not met: %(gates)s. Write why the wave may "
                        "go ahead anyway, or send the request back."
                    )
                    % {"phase": label(move.to_phase), "gates": _gate_summary(unmet)}
                }
            )
        approval = PhaseApproval.objects.create(
            task_state=task_state,
            move=move,
            approver=user,
            approver_name=user.get_full_name() or user.get_username(),
            comment=comment,
            override_reason=override_reason if unmet else "",
        )
        given = task_state.phase_approvals.count()
        required = task.required_approvals
        _log(
            move.plan,
            "workflows.move.approve",
            user,
            move,
            comment=comment,
            approvals=given,
            required=required,
        )
        if approval.override_reason:
            _log(
                move.plan,
                "workflows.move.override",
                user,
                move,
                reason=approval.override_reason,
                gates=_gate_summary(unmet),
            )
        due_now = False
        if given >= required:
            task_state.approve(user=user, comment=comment)
            workflow_state = WorkflowState.objects.get(pk=task_state.workflow_state_id)
            if workflow_state.status == WorkflowState.STATUS_APPROVED:
                due_now = _approved(move, user)
    if due_now:
        # In its own transaction: should it fail, the approval stands and the move is
        # marked failed with the reason, instead of the approver's click vanishing.
        _take_effect(move.pk, user=user)
    move.refresh_from_db()
    return move


def _approved(move, user):
    """The workflow is through: the move waits for its date, or is due now (returns
    whether it is). The latest revisions of the channels it covers are kept as approved
    (on or off now: another wave may switch one off meanwhile): those go live, never a
    draft edited afterwards."""
    approved_revisions = {
        str(slot.channel.pk): slot.channel.latest_revision_id
        for slot in scope_slots(move.plan, move.to_phase)
        if slot.channel is not None
    }
    PhaseMove.objects.filter(pk=move.pk).update(
        status=PhaseMove.Status.APPROVED, channel_revisions=approved_revisions
    )
    if move.effective_at is None or move.effective_at <= timezone.now():
        return True
    _log(
        move.plan,
        "workflows.move.schedule",
        user,
        move,
        effective_at=move.effective_at.isoformat(),
    )
    return False


def move_reject(*, move, user, comment):
    """Send the request back with a comment; the requester may ask again."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say why the request goes back.")})
    with transaction.atomic():
        move = _locked_open_move(move)
        task_state, task = _current_task(move)
        if not is_approver(user, task):
            raise PermissionDenied(_("Only finance's approvers may send phase moves back."))
        task_state.reject(user=user, comment=comment)
        # A request sent back is finished (the requester asks anew), so Wagtail's workflow
        # state does not linger as "needs changes" in its reports.
        WorkflowState.objects.get(pk=task_state.workflow_state_id).cancel(user=user)
        PhaseMove.objects.filter(pk=move.pk).update(status=PhaseMove.Status.REJECTED)
        _log(move.plan, "workflows.move.reject", user, move, comment=comment)
    move.refresh_from_db()
    return move


def move_withdraw(*, move, user):
    """Withdraw a request that has not taken effect: the requester's or finance's call."""
    with transaction.atomic():
        move = PhaseMove.objects.select_for_update().select_related("plan").get(pk=move.pk)
        if move.status not in PhaseMove.OPEN:
            raise ValidationError(
                _("Only a request that has not taken effect can be withdrawn (%(status)s).")
                % {"status": move.get_status_display()}
            )
        if not may_withdraw(user, move):
            raise PermissionDenied(_("Only the requester or finance may withdraw a request."))
        workflow_state = move.current_workflow_state
        if workflow_state is not None:
            workflow_state.cancel(user=user)
        PhaseMove.objects.filter(pk=move.pk).update(status=PhaseMove.Status.CANCELLED)
        _log(move.plan, "workflows.move.withdraw", user, move)
    move.refresh_from_db()
    return move


def _acting_user(move):
    """Who a scheduled move acts for: the approver whose yes let it through."""
    last = move.approvals.order_by("-approved_at", "-pk").select_related("approver").first()
    return last.approver if last else None


def move_apply(*, move_id, user=None):
    """Let an approved move take effect, exactly once.

    The move is claimed by switching its status from approved to applied in one UPDATE;
    a second run (the schedule firing twice, two workers, a late catch-up) finds nothing to
    claim and does nothing. Everything — the channels, the schedule's actual dates, the
    wave's phase and the audit entry — commits together or not at all. Returns the move,
    or ``None`` when there was nothing to do.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = PhaseMove.objects.filter(pk=move_id, status=PhaseMove.Status.APPROVED).update(
            status=PhaseMove.Status.APPLIED, applied_at=now
        )
        if not claimed:
            return None
        move = PhaseMove.objects.select_related("plan").get(pk=move_id)
        plan = _lock_waves(move)
        user = user or _acting_user(move)
        try:
            if plan.phase != move.from_phase:
                raise ValidationError(
                    _("The wave is in %(phase)s now, not in %(from)s as when the move was asked.")
                    % {"phase": label(plan.phase), "from": label(move.from_phase)}
                )
            check_move(plan.phase, move.to_phase, resume_phase=plan.resume_phase)
        except ValidationError as error:
            outcome = " ".join(error.messages)
            PhaseMove.objects.filter(pk=move.pk).update(
                status=PhaseMove.Status.FAILED, outcome=outcome
            )
            _log(plan, "workflows.move.fail", user, move, reason=outcome)
            move.refresh_from_db()
            return move
        switched_on, switched_off, left = _switch_channels(plan, move, user)
        _record_actual_dates(plan, move, timezone.localdate(now))
        if move.to_phase == Phase.SUSPENDED:
            plan.resume_phase = move.from_phase
        elif move.from_phase == Phase.SUSPENDED:
            plan.resume_phase = ""
        plan.phase = move.to_phase
        plan.save(update_fields=["phase", "resume_phase", "updated_at"])
        outcome = _("Channels switched on: %(on)d; switched off: %(off)d.") % {
            "on": len(switched_on),
            "off": len(switched_off),
        }
        if left:
            outcome += " " + _(
                "Left as they were (set up after the approval, or still on for another "
                "wave): %(names)s."
            ) % {"names": "、".join(left)}
        PhaseMove.objects.filter(pk=move.pk).update(outcome=outcome)
        _log(
            plan,
            "workflows.phase.change",
            user,
            move,
            switched_on=switched_on,
            switched_off=switched_off,
            left=left,
            scheduled=move.effective_at is not None,
        )
    move.refresh_from_db()
    return move


def _lock_waves(move):
    """Lock the move's wave — and, for a suspension, every wave covering a channel it
    switched on, in id order: two suspensions at once then cannot each hand a channel to
    the other and leave it on with both suspended. Returns the move's wave."""
    ids = {move.plan_id}
    if move.to_phase == Phase.SUSPENDED:
        switched = open_switches(move.plan)
        ids.update(
            PlanService.objects.filter(
                service__in=switched.values("channel__service"),
                plan__methods__in=switched.values("channel__method"),
            ).values_list("plan_id", flat=True)
        )
    waves = RolloutPlan.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {wave.pk: wave for wave in waves}[move.plan_id]


def _switch_channels(plan, move, user):
    """Switch on the phase's channels that are off, at the revisions finance approved — or,
    when suspending, switch off what the wave switched on, so integrators see what was
    published before it. Returns the channels switched on, off, and left alone."""
    switched_on, switched_off, left = [], [], []
    if move.to_phase == Phase.SUSPENDED:
        holders = _held_by_other_waves(plan)
        for switch in open_switches(plan):
            holder = holders.get((switch.channel.service_id, switch.channel.method_id))
            if holder is not None:
                # Another wave still has it on: the switch is that wave's now, so its own
                # suspension later switches the channel off.
                switch.plan = holder
                switch.save(update_fields=["plan"])
                left.append(str(switch.channel))
                continue
            if switch.channel.live:
                channel_unpublish(channel=switch.channel, user=user)
                switched_off.append(str(switch.channel))
            switch.switched_off_by = move
            switch.save(update_fields=["switched_off_by"])
        return switched_on, switched_off, left
    due = [
        slot.channel
        for slot in scope_slots(plan, move.to_phase)
        if slot.channel is not None and not slot.channel.live
    ]
    approved = move.channel_revisions
    # A revision a wave already published (one a switch saved without its publishing date,
    # say) was approved with that wave's move: publishing it again is no change.
    published = set(
        ChannelSwitch.objects.filter(channel__in=due).values_list("channel_id", "revision_id")
    )

    def changed(channel):
        latest = channel.latest_revision_id
        return latest != approved[str(channel.pk)] and (channel.pk, latest) not in published

    edited = [str(c) for c in due if str(c.pk) in approved and changed(c)]
    if edited:
        raise ValidationError(
            _(
                "These channels were changed after finance approved the move, so it did not "
                "take effect: %(names)s. Ask again, so that finance sees the new settings."
            )
            % {"names": "、".join(edited)}
        )
    for channel in due:
        if str(channel.pk) not in approved:
            left.append(str(channel))  # set up after the approval: not approved with it
            continue
        channel_switch_on(channel=channel, user=user)
        ChannelSwitch.objects.create(
            plan=plan, channel=channel, switched_on_by=move, revision_id=channel.live_revision_id
        )
        switched_on.append(str(channel))
    return switched_on, switched_off, left


def _held_by_other_waves(plan):
    """Which other wave, not suspended, keeps each (service, method) switched on in its
    current phase."""
    held = {}
    for other in RolloutPlan.objects.exclude(pk=plan.pk).exclude(phase=Phase.SUSPENDED):
        methods = list(other.methods.values_list("pk", flat=True))
        for service_id in services_in_scope(other, other.phase).values_list("pk", flat=True):
            for method_id in methods:
                held.setdefault((service_id, method_id), other)
    return held


def _record_actual_dates(plan, move, today):
    """The phase left ends today; the phase entered starts today. A suspended phase is not
    over: it stays open beside the 中断 row, and on resuming keeps its first start."""
    left = plan.schedule.filter(phase=move.from_phase).first()
    if left is not None and move.to_phase != Phase.SUSPENDED:
        left.actual_end = today
        left.save(update_fields=["actual_end"])
    entered, _created = PlanPhase.objects.get_or_create(
        plan=plan, phase=move.to_phase, defaults={"sort_order": position(move.to_phase)}
    )
    if move.from_phase != Phase.SUSPENDED or entered.actual_start is None:
        entered.actual_start = today
    entered.actual_end = None
    entered.save(update_fields=["actual_start", "actual_end"])


def apply_due_moves():
    """Let every approved move whose date has come take effect; returns how many did.

    It works from what is due, not from when it last ran, so after the worker was down the
    next run catches up; :func:`move_apply` makes a second run a no-op. A move that fails
    unexpectedly is marked failed with the error, so it is neither lost nor retried forever.
    """
    # An approved move without a date was due at once; one still here (its web request
    # died before it took effect) is caught up like a dated one.
    due = PhaseMove.objects.filter(
        Q(effective_at__lte=timezone.now()) | Q(effective_at__isnull=True),
        status=PhaseMove.Status.APPROVED,
    ).order_by("effective_at", "pk")
    applied = 0
    for move_id in due.values_list("pk", flat=True):
        move = _take_effect(move_id)
        if move is not None and move.status == PhaseMove.Status.APPLIED:
            applied += 1
    return applied


def _take_effect(move_id, *, user=None):
    """:func:`move_apply`, with a failure recorded rather than raised. Nothing of the move
    was written, since its transaction rolled back. A database hiccup leaves it approved
    for the next run of the schedule (up to :data:`MAX_ATTEMPTS` times); anything else
    marks it failed with the reason, on the move and in its wave's log, so it is neither
    lost nor retried forever."""
    try:
        return move_apply(move_id=move_id, user=user)
    except OperationalError as error:
        if _count_attempt(move_id) < MAX_ATTEMPTS:
            logger.warning("Phase move %s: database unavailable, left for the next run", move_id)
            return None
        return _record_failure(move_id, user, error)
    except Exception as error:  # noqa: BLE001 (recorded, see above)
        return _record_failure(move_id, user, error)


def _count_attempt(move_id):
    """Count one more failed attempt (when the database lets us); returns the count."""
    try:
        PhaseMove.objects.filter(pk=move_id).update(apply_attempts=F("apply_attempts") + 1)
        return PhaseMove.objects.values_list("apply_attempts", flat=True).get(pk=move_id)
    except OperationalError:
        return 0


def _record_failure(move_id, user, error):
    """Mark the move failed with a reason staff can read, on the move and in its log."""
    logger.exception("Phase move %s could not take effect", move_id)
    if isinstance(error, ValidationError):
        reason = " ".join(error.messages)
    else:
        reason = _("The move could not take effect: %(error)s") % {"error": error}
    with transaction.atomic():
        failed = PhaseMove.objects.filter(pk=move_id, status=PhaseMove.Status.APPROVED).update(
            status=PhaseMove.Status.FAILED, outcome=reason
        )
        move = PhaseMove.objects.select_related("plan").get(pk=move_id)
        if failed:
            actor = user or _acting_user(move)
            _log(move.plan, "workflows.move.fail", actor, move, reason=reason)
    return move
