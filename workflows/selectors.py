"""Reads about rollout waves: who sees which, what a phase would switch on, and whether its
gates are met."""

from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from wagtail.models import WorkflowState

from catalog.models import Service
from catalog.permissions import policy_for
from channels.models import CollectionRecord, ServiceChannel
from channels.selectors import with_status
from workflows.models import GateItem, PhaseApprovalTask, PhaseMove, RolloutPlan
from workflows.phases import SCOPES, Scope


def plans_visible_to(user, queryset=None):
    """The waves ``user`` may see (:class:`~workflows.permissions.RolloutPlanPermissionPolicy`)."""
    queryset = RolloutPlan.objects.all() if queryset is None else queryset
    return policy_for(RolloutPlan).scope(user, queryset)


def moves_visible_to(user):
    """The phase-move requests ``user`` may see (those of the waves they see)."""
    return PhaseMove.objects.filter(plan__in=plans_visible_to(user)).select_related(
        "plan", "requested_by"
    )


def services_in_scope(plan, phase):
    """The services whose channels ``phase`` switches on: none, the pilot set, or all."""
    scope = SCOPES[phase]
    if scope == Scope.NONE:
        return Service.objects.none()
    links = plan.plan_services.all()
    if scope == Scope.PILOT:
        links = links.filter(pilot=True)
    return Service.objects.filter(pk__in=links.values("service")).order_by("code")


def plan_channels(plan, methods):
    """The channels of the wave's services and ``methods``, with their status at hand."""
    return with_status(
        ServiceChannel.objects.filter(
            service__in=plan.plan_services.values("service"), method__in=methods
        )
    )


def channel_grid(plan, methods):
    """Each covered service with its channel per method (``None`` where there is none), in
    the wave's order: the wave page's table."""
    channels = {
        (channel.service_id, channel.method_id): channel for channel in plan_channels(plan, methods)
    }
    return [
        {"link": link, "channels": [channels.get((link.service_id, m.pk)) for m in methods]}
        for link in plan.plan_services.select_related("service__department")
    ]


def open_switches(plan):
    """The channels the wave switched on and has not switched off: what suspending it
    switches off."""
    return plan.switches.filter(switched_off_by=None).select_related(
        "channel__service", "channel__method"
    )


@dataclass(frozen=True)
class ScopeSlot:
    """One service × method a phase covers, and the channel set up for it (if any)."""

    service: Service
    method: object
    channel: ServiceChannel | None


def scope_slots(plan, phase):
    """Every service × method ``phase`` would have switched on, with its channel."""
    services = list(services_in_scope(plan, phase))
    methods = list(plan.methods.all())
    channels = {
        (channel.service_id, channel.method_id): channel
        for channel in with_status(
            ServiceChannel.objects.filter(service__in=services, method__in=methods)
        )
    }
    return [
        ScopeSlot(service, method, channels.get((service.pk, method.pk)))
        for service in services
        for method in methods
    ]


def measured_figure(plan, metric):
    """A figure measured from the collection records of the wave's pilot services and
    methods (``None`` for figures staff enter by hand)."""
    if metric not in (GateItem.Metric.PILOT_PAYMENTS, GateItem.Metric.PILOT_AMOUNT):
        return None
    records = CollectionRecord.objects.filter(
        service__in=plan.plan_services.filter(pilot=True).values("service"),
        method__in=plan.methods.all(),
    )
    field = "payment_count" if metric == GateItem.Metric.PILOT_PAYMENTS else "amount"
    return records.aggregate(total=Sum(field))["total"] or 0


@dataclass(frozen=True)
class GateResult:
    """One gate criterion as the request and approval pages show it."""

    label: str
    met: bool
    detail: str
    item: GateItem | None = None


def _checklist_result(item):
    if not item.done:
        return GateResult(item.label, False, _("Not done yet."), item)
    if item.evidence_id is None:
        return GateResult(item.label, False, _("Done, but no evidence is attached."), item)
    return GateResult(item.label, True, _("Done."), item)


def _threshold_result(item, plan):
    value = measured_figure(plan, item.metric)
    if value is None:
        value = item.measured_value
    wanted = _("%(comparison)s %(target)s") % {
        "comparison": item.get_comparison_display(),
        "target": f"{item.target:,}",
    }
    if value is None:
        return GateResult(
            item.label,
            False,
            _("Not measured yet (wanted: %(wanted)s).") % {"wanted": wanted},
            item,
        )
    if item.comparison == GateItem.Comparison.AT_LEAST:
        met = value >= item.target
    else:
        met = value <= item.target
    return GateResult(
        item.label,
        met,
        _("Measured %(value)s (wanted: %(wanted)s).") % {"value": f"{value:,}", "wanted": wanted},
        item,
    )


def _channels_result(plan, phase):
    missing = [slot for slot in scope_slots(plan, phase) if slot.channel is None]
    label = _("Every service the phase covers has its channels set up")
    if not missing:
        return GateResult(label, True, _("All set up."))
    names = "、".join(
        f"{slot.service.code} {slot.service.name}／{slot.method.name}" for slot in missing[:10]
    )
    more = len(missing) - 10
    detail = _("Missing: %(names)s") % {"names": names}
    if more > 0:
        detail += _(" and %(count)d more") % {"count": more}
    return GateResult(label, False, detail)


def gate_results(plan, phase):
    """The criteria for entering ``phase``: the wave's own gate items, and — for a phase that
    switches channels on — that every covered service has its channels set up."""
    items = plan.gates.filter(phase=phase).select_related("evidence")
    results = [
        _checklist_result(item)
        if item.kind == GateItem.Kind.CHECKLIST
        else _threshold_result(item, plan)
        for item in items
    ]
    if SCOPES[phase] != Scope.NONE:
        results.append(_channels_result(plan, phase))
    return results


def unmet_gates(plan, phase):
    return [result for result in gate_results(plan, phase) if not result.met]


def open_move(plan):
    """The wave's request that is still waiting for approval or for its date, if any."""
    return plan.moves.filter(Q(status__in=PhaseMove.OPEN)).first()


def current_approval(move):
    """``(task_state, task)`` of the approval the request waits for, or ``(None, None)``."""
    task_state = move.current_workflow_task_state
    if task_state is None:
        return None, None
    return task_state, task_state.task.specific


def is_approver(user, task):
    """Whether ``user`` approves for ``task`` (a phase-move approval task of theirs)."""
    return isinstance(task, PhaseApprovalTask) and task.user_is_approver(user)


def moves_awaiting(user):
    """The requests waiting for ``user``'s approval (for the dashboard)."""
    task_states = [
        state_id
        for task in PhaseApprovalTask.objects.filter(active=True)
        for state_id in task.task_states_awaiting(user).values_list("workflow_state_id", flat=True)
    ]
    if not task_states:
        return PhaseMove.objects.none()
    object_ids = WorkflowState.objects.filter(pk__in=task_states).values_list(
        "object_id", flat=True
    )
    return moves_visible_to(user).filter(
        status=PhaseMove.Status.IN_REVIEW, pk__in=[int(pk) for pk in object_ids]
    )


def approvals_needed(move):
    """``(given, required)`` for the approval the request waits for (``None`` when none)."""
    task_state, task = current_approval(move)
    if task_state is None or not isinstance(task, PhaseApprovalTask):
        return None
    return task_state.phase_approvals.count(), task.required_approvals


def user_may_approve(user, move):
    """Whether ``user`` can approve ``move`` now: an approver of its current task, not the
    requester, and not already among its approvers."""
    if move.status != PhaseMove.Status.IN_REVIEW or move.requested_by_id == user.pk:
        return False
    task_state, task = current_approval(move)
    if task_state is None or not is_approver(user, task):
        return False
    return not task_state.phase_approvals.filter(approver=user).exists()
