"""Rollout waves, their schedule and gates, and the requests that move them on.

* :class:`RolloutPlan` — a wave (導入計画): payment methods, the services it covers (some
  of them the pilot set) and the phase it is in.
* :class:`PlanPhase` — one row of the wave's schedule: a phase's planned months and the
  days it actually started and ended (written when moves take effect).
* :class:`GateItem` — what must hold before the wave enters a phase: a checklist item with
  its evidence (a contract, a test report) or a measured threshold.
* :class:`PhaseMove` — a request to move the wave to another phase. It goes through a
  Wagtail workflow whose :class:`PhaseApprovalTask` can ask for several finance approvers
  (:class:`PhaseApproval`), and takes effect at once or at ``effective_at``.
* :class:`ChannelSwitch` — a channel a wave switched on, so that suspending the wave can
  switch exactly those off again.
"""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import (
    AbstractGroupApprovalTask,
    DraftStateMixin,
    Orderable,
    RevisionMixin,
    TaskState,
    Workflow,
    WorkflowMixin,
)

from catalog.models import Service
from channels.models import CHANNEL_METHODS, PaymentMethod, ServiceChannel
from workflows.phases import ORDER, Phase


class RolloutPlan(ClusterableModel):
    """A rollout wave (導入計画): which methods reach which services, phase by phase.

    ``phase`` is where the wave stands; only an approved :class:`PhaseMove` changes it.
    ``resume_phase`` remembers the phase a suspended wave left.
    """

    name = models.CharField(_("wave name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    methods = ParentalManyToManyField(
        PaymentMethod,
        verbose_name=_("payment methods"),
        related_name="rollout_plans",
        limit_choices_to=CHANNEL_METHODS,
    )
    phase = models.CharField(
        _("current phase"), max_length=20, choices=Phase.choices, default=Phase.STUDY
    )
    resume_phase = models.CharField(
        _("phase before suspension"), max_length=20, choices=Phase.choices, blank=True
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("rollout wave")
        verbose_name_plural = _("rollout waves")

    def __str__(self):
        return self.name


class PlanService(Orderable):
    """A service a wave covers; the pilot set is switched on first."""

    plan = ParentalKey(RolloutPlan, on_delete=models.CASCADE, related_name="plan_services")
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    pilot = models.BooleanField(
        _("pilot"), default=False, help_text=_("Switched on already in the pilot phase.")
    )

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["plan", "service"], name="service_once_per_wave")
        ]
        verbose_name = _("covered service")
        verbose_name_plural = _("covered services")

    def __str__(self):
        return str(self.service)


def month_end(month_start):
    """The last day of the month that ``month_start`` (any day of it) falls in."""
    following = (month_start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return following - dt.timedelta(days=1)


class PlanPhase(Orderable):
    """One phase of a wave's schedule: planned months and actual days.

    Planned start and end are months (stored as their first day; the end month counts in
    full). Actual start and end are the days moves took effect; an open phase has no end.
    """

    plan = ParentalKey(RolloutPlan, on_delete=models.CASCADE, related_name="schedule")
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    planned_start = models.DateField(_("planned start month"), null=True, blank=True)
    planned_end = models.DateField(_("planned end month"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["plan", "phase"], name="phase_once_per_wave"),
        ]
        verbose_name = _("scheduled phase")
        verbose_name_plural = _("schedule")

    def __str__(self):
        return f"{self.plan} / {self.get_phase_display()}"

    def clean(self):
        super().clean()
        for field in ("planned_start", "planned_end"):
            value = getattr(self, field)
            if value:
                setattr(self, field, value.replace(day=1))
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValidationError(
                {"planned_end": _("The planned end month comes before the planned start.")}
            )
        if self.actual_start and self.actual_end and self.actual_end < self.actual_start:
            raise ValidationError({"actual_end": _("The actual end comes before the start.")})

    @property
    def planned_last_day(self):
        return month_end(self.planned_end) if self.planned_end else None

    def is_late(self, today):
        """Whether the phase is behind its plan on ``today``: it started after its planned
        start month, has not started though that month is over, or ran (or runs) past its
        planned end month."""
        if self.planned_start:
            start_deadline = month_end(self.planned_start)
            if self.actual_start is None and today > start_deadline:
                return True
            if self.actual_start and self.actual_start > start_deadline:
                return True
        if self.planned_end:
            end_deadline = self.planned_last_day
            finished = self.actual_end or (None if self.actual_start is None else today)
            if finished and finished > end_deadline:
                return True
        return False


class GateItem(Orderable):
    """A criterion the wave must meet before it enters ``phase``.

    A checklist item is met when it is ticked and carries its evidence document (a
    contract, a test report). A threshold compares a measured figure with ``target``: pilot
    payments and amounts are measured from the collection records of the wave's pilot
    services and methods; any other figure (settlement mismatches, say) is entered by staff
    in ``measured_value``.
    """

    class Kind(models.TextChoices):
        CHECKLIST = "checklist", _("Checklist item")
        THRESHOLD = "threshold", _("Measured threshold")

    class Metric(models.TextChoices):
        PILOT_PAYMENTS = "pilot_payments", _("Payments at pilot services (collection records)")
        PILOT_AMOUNT = "pilot_amount", _("Amount at pilot services, yen (collection records)")
        MANUAL = "manual", _("A figure entered by staff")

    class Comparison(models.TextChoices):
        AT_LEAST = "at_least", _("at least")
        AT_MOST = "at_most", _("at most")

    plan = ParentalKey(RolloutPlan, on_delete=models.CASCADE, related_name="gates")
    phase = models.CharField(
        _("before entering"),
        max_length=20,
        choices=[(p.value, p.label) for p in ORDER],
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CHECKLIST)
    label = models.CharField(_("criterion"), max_length=200)
    done = models.BooleanField(_("done"), default=False)
    evidence = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("evidence"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The contract, test report or minutes that show the item is done."),
    )
    metric = models.CharField(
        _("measured figure"), max_length=20, choices=Metric.choices, blank=True
    )
    comparison = models.CharField(
        _("comparison"), max_length=10, choices=Comparison.choices, blank=True
    )
    target = models.BigIntegerField(_("threshold"), null=True, blank=True)
    measured_value = models.BigIntegerField(
        _("measured value"),
        null=True,
        blank=True,
        help_text=_("Only for figures entered by staff."),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("gate criterion")
        verbose_name_plural = _("gate criteria")

    def __str__(self):
        return self.label

    def clean(self):
        super().clean()
        if self.kind == self.Kind.THRESHOLD:
            missing = {
                field: _("A threshold needs this.")
                for field in ("metric", "comparison", "target")
                if getattr(self, field) in (None, "")
            }
            if missing:
                raise ValidationError(missing)
        else:
            self.metric, self.comparison, self.target, self.measured_value = "", "", None, None


class PhaseMove(WorkflowMixin, DraftStateMixin, RevisionMixin, models.Model):
    """A request to move a wave from one phase to another (フェーズ移行の申請).

    It goes through finance's approval workflow; once approved it takes effect at once or
    at ``effective_at``. ``status`` is the single truth about where it stands: it is what
    makes taking effect happen exactly once. A request made while gates were not met
    carries finance's written ``override_reason``.
    """

    class Status(models.TextChoices):
        IN_REVIEW = "in_review", _("Waiting for approval")
        APPROVED = "approved", _("Approved, waiting for its date")
        APPLIED = "applied", _("Taken effect")
        REJECTED = "rejected", _("Sent back")
        CANCELLED = "cancelled", _("Withdrawn")
        FAILED = "failed", _("Could not take effect")

    OPEN = (Status.IN_REVIEW, Status.APPROVED)

    # A wave with requests keeps them: they are its audit trail (and its channel switches).
    plan = models.ForeignKey(
        RolloutPlan, verbose_name=_("rollout wave"), on_delete=models.PROTECT, related_name="moves"
    )
    from_phase = models.CharField(_("from"), max_length=20, choices=Phase.choices)
    to_phase = models.CharField(_("to"), max_length=20, choices=Phase.choices)
    effective_at = models.DateTimeField(
        _("takes effect at"),
        null=True,
        blank=True,
        help_text=_("Leave empty to take effect as soon as it is approved."),
    )
    reason = models.TextField(_("reason"))
    override_reason = models.TextField(_("reason for going ahead without the gates"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IN_REVIEW
    )
    applied_at = models.DateTimeField(_("took effect at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    apply_attempts = models.PositiveSmallIntegerField(
        _("attempts to take effect"), default=0, editable=False
    )
    channel_revisions = models.JSONField(
        _("channel revisions approved"),
        default=dict,
        blank=True,
        help_text=_("Channel id → its latest revision when finance approved the move."),
    )

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="phasemove")

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One open request per wave, held by the database itself: two submits at once
            # cannot both get through, whatever locking the database offers.
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(status__in=["in_review", "approved"]),
                name="one_open_move_per_wave",
            )
        ]
        verbose_name = _("phase move request")
        verbose_name_plural = _("Phase move requests")
        # Wagtail publishes the request when its workflow is approved; only approvers hold
        # this permission, and no screen offers publishing a request directly.
        permissions = [("publish_phasemove", _("Can approve phase moves"))]

    def __str__(self):
        return f"{self.plan}: {self.get_from_phase_display()} → {self.get_to_phase_display()}"

    @property
    def revisions(self):
        return self._revisions

    @classmethod
    def get_default_workflow(cls):
        """The workflow assigned to phase moves, or else the active one holding a phase-move
        approval task: Wagtail's workflow settings screen offers only pages and snippets, and
        saving a workflow there drops every other content type from it."""
        workflow = super().get_default_workflow()
        if workflow is None:
            workflow = (
                Workflow.objects.active()
                .filter(workflow_tasks__task__in=PhaseApprovalTask.objects.filter(active=True))
                .first()
            )
        return workflow


class PhaseApprovalTask(AbstractGroupApprovalTask):
    """Finance's approval of a phase move: ``required_approvals`` different members of the
    groups must approve, and the person who requested the move is never one of them."""

    required_approvals = models.PositiveSmallIntegerField(
        _("approvals required"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("How many different members of the groups must approve."),
    )

    admin_form_fields = AbstractGroupApprovalTask.admin_form_fields + ["required_approvals"]

    class Meta:
        verbose_name = _("phase move approval")
        verbose_name_plural = _("phase move approvals")

    def user_is_approver(self, user):
        return user.is_active and (user.is_superuser or self._user_in_groups(user))

    def get_actions(self, obj, user):
        # Approving happens on the request's own page, which asks for an override reason
        # when gates are not met; Wagtail's generic buttons cannot.
        return []

    def get_task_states_user_can_moderate(self, user, **kwargs):
        # Wagtail's own "awaiting your review" panel handles only pages and snippets; the
        # requests waiting for a user are on the dashboard panel of workflows.panels.
        return TaskState.objects.none()

    def task_states_awaiting(self, user):
        """The in-progress approvals ``user`` may still give: not on their own requests,
        not given already."""
        if not self.user_is_approver(user):
            return TaskState.objects.none()
        return (
            self.task_states.filter(status=TaskState.STATUS_IN_PROGRESS)
            .exclude(workflow_state__requested_by=user)
            .exclude(phase_approvals__approver=user)
        )

    @classmethod
    def get_description(cls):
        return _("Members of the chosen groups approve moves of rollout waves; not their own.")


class PhaseApproval(models.Model):
    """One approver's yes to a phase move (one of the ``required_approvals``)."""

    task_state = models.ForeignKey(
        TaskState, on_delete=models.CASCADE, related_name="phase_approvals"
    )
    move = models.ForeignKey(PhaseMove, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The approver's name as it was, so the record still says who after the user is gone.
    approver_name = models.CharField(_("approver"), max_length=150, blank=True)
    approved_at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)
    override_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["approved_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_state", "approver"], name="one_approval_per_approver"
            )
        ]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")

    def __str__(self):
        return f"{self.move} / {self.approver}"


class ChannelSwitch(models.Model):
    """A channel a wave switched on (it was off before), until the wave is suspended. When
    another wave still has the channel on, suspending hands the switch over to that wave."""

    plan = models.ForeignKey(RolloutPlan, on_delete=models.CASCADE, related_name="switches")
    channel = models.ForeignKey(ServiceChannel, on_delete=models.CASCADE, related_name="+")
    switched_on_by = models.ForeignKey(
        PhaseMove,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty for channels a wave had on before its moves were recorded here."),
    )
    switched_off_by = models.ForeignKey(
        PhaseMove, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What went live: a later move may publish this revision again without it counting as
    # a change made after its approval.
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("channel switched on by a wave")
        verbose_name_plural = _("channels switched on by waves")

    def __str__(self):
        return f"{self.plan} / {self.channel}"
