"""Admin screens of the rollout: the waves, a wave's page, asking for a move, and the
request's page where finance approves or sends it back. Thin: each calls one service or
selector; the rules live in :mod:`workflows.services`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn, UserColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import ModelLogEntry

from workflows.forms import ApproveForm, MoveRequestForm, RejectForm
from workflows.models import PhaseMove
from workflows.permissions import (
    can_request_moves,
    decides_moves,
    may_withdraw,
    request_is_within_departments,
)
from workflows.phases import SCOPES, Phase, Scope, allowed_moves, label
from workflows.selectors import (
    approvals_needed,
    channel_grid,
    current_approval,
    gate_results,
    is_approver,
    moves_visible_to,
    open_move,
    open_switches,
    plans_visible_to,
    scope_slots,
    user_may_approve,
)
from workflows.services import (
    move_approve,
    move_reject,
    move_request,
    move_withdraw,
)


def scoped_plan(user, pk):
    """A wave ``user`` may see, or 404 (as if it did not exist)."""
    return get_object_or_404(plans_visible_to(user), pk=pk)


def scoped_move(user, pk):
    """A request ``user`` may see, or 404."""
    return get_object_or_404(moves_visible_to(user), pk=pk)


def _require_view(user):
    if not user.has_perm("workflows.view_rolloutplan"):
        raise PermissionDenied


def _plans_crumb():
    return [{"url": reverse("rollouts:index"), "label": _("Rollout waves")}]


def _targets(plan):
    """What each possible next phase needs and would switch on, for the request form."""
    targets = []
    for phase in allowed_moves(plan.phase, resume_phase=plan.resume_phase):
        targets.append(
            {
                "phase": phase,
                "label": label(phase),
                "scope": SCOPES[phase],
                "scope_label": Scope(SCOPES[phase]).label,
                "gates": gate_results(plan, phase),
                "slots": scope_slots(plan, phase),
                "switches": open_switches(plan) if phase == Phase.SUSPENDED else [],
            }
        )
    return targets


def _error_text(error):
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


class PlanIndexView(generic.IndexView):
    """The waves a user may see, with where each stands."""

    add_item_label = gettext_lazy("Add a rollout wave")

    def get_base_queryset(self):
        return (
            plans_visible_to(self.request.user, super().get_base_queryset())
            .annotate(service_count=Count("plan_services", distinct=True))
            .prefetch_related("methods")
        )

    def get_edit_url(self, instance):
        return reverse("rollouts:detail", args=[instance.pk])

    @cached_property
    def columns(self):
        return [
            TitleColumn("name", label=gettext_lazy("Wave"), get_url=self.get_edit_url),
            Column("phase", label=gettext_lazy("Current phase"), accessor="get_phase_display"),
            Column("methods", label=gettext_lazy("Payment methods"), accessor=_method_names),
            Column("service_count", label=gettext_lazy("Services")),
            DateColumn("updated_at", label=gettext_lazy("Updated")),
        ]


def _method_names(plan):
    return "、".join(method.name for method in plan.methods.all())


class PlanDetailView(WagtailAdminTemplateMixin, TemplateView):
    """A wave's page: where it stands, its schedule, gates, services and channels, its
    requests and its audit log."""

    template_name = "workflows/plan_detail.html"
    header_icon = "calendar-alt"

    def dispatch(self, request, pk):
        _require_view(request.user)
        self.plan = scoped_plan(request.user, pk)
        return super().dispatch(request, pk)

    def get_page_title(self):
        return self.plan.name

    def get_page_subtitle(self):
        return self.plan.get_phase_display()

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, *_plans_crumb(), {"url": "", "label": self.plan.name}]

    def get_context_data(self, **kwargs):
        plan, user = self.plan, self.request.user
        today = timezone.localdate()
        schedule = [
            {"row": row, "late": row.is_late(today)} for row in plan.schedule.order_by("sort_order")
        ]
        methods = list(plan.methods.all())
        waiting = open_move(plan)
        return super().get_context_data(
            plan=plan,
            schedule=schedule,
            methods=methods,
            services=channel_grid(plan, methods),
            targets=_targets(plan),
            moves=plan.moves.select_related("requested_by"),
            open_move=waiting,
            log_entries=ModelLogEntry.objects.for_instance(plan)
            .select_related("user")
            .order_by("-timestamp")[:50],
            may_request=can_request_moves(user, plan) and waiting is None,
            shared_wave=not request_is_within_departments(user, plan),
            may_edit=user.has_perm("workflows.change_rolloutplan"),
            **kwargs,
        )


class MoveRequestView(WagtailAdminTemplateMixin, FormView):
    """Ask finance to move a wave: the next phases the table allows, what each one's gates
    say and which channels it would switch on."""

    template_name = "workflows/move_request.html"
    form_class = MoveRequestForm
    header_icon = "calendar-alt"

    def dispatch(self, request, pk):
        _require_view(request.user)
        self.plan = scoped_plan(request.user, pk)
        if not can_request_moves(request.user, self.plan):
            raise PermissionDenied
        if (waiting := open_move(self.plan)) is not None:
            messages.warning(request, _("This wave already has a request waiting; see it below."))
            return redirect("rollout_moves:detail", waiting.pk)
        return super().dispatch(request, pk)

    def get_page_title(self):
        return _("Ask to move the wave")

    def get_page_subtitle(self):
        return self.plan.name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            *_plans_crumb(),
            {"url": reverse("rollouts:detail", args=[self.plan.pk]), "label": self.plan.name},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "plan": self.plan,
            "may_override": decides_moves(self.request.user),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(plan=self.plan, targets=_targets(self.plan), **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            move = move_request(
                plan=self.plan,
                to_phase=data["to_phase"],
                user=self.request.user,
                reason=data["reason"],
                effective_at=data.get("effective_at"),
                override_reason=data.get("override_reason", ""),
            )
        except (ValidationError, PermissionDenied) as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Asked to move “%(plan)s” to %(phase)s. Finance has been asked to approve.")
            % {"plan": self.plan.name, "phase": label(move.to_phase)},
        )
        return redirect("rollout_moves:detail", move.pk)


def _add_errors(form, error):
    """Put a service's refusal on the form: field errors on their fields, the rest on top."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, _error_text(error))


class MoveIndexView(generic.IndexView):
    """Every request a user may see, newest first."""

    def get_base_queryset(self):
        return moves_visible_to(self.request.user).select_related(
            "requested_by__wagtail_userprofile"
        )

    def get_edit_url(self, instance):
        return reverse("rollout_moves:detail", args=[instance.pk])

    @cached_property
    def columns(self):
        return [
            TitleColumn("plan", label=gettext_lazy("Wave"), get_url=self.get_edit_url),
            Column("from_phase", label=gettext_lazy("From"), accessor="get_from_phase_display"),
            Column("to_phase", label=gettext_lazy("To"), accessor="get_to_phase_display"),
            Column("status", label=gettext_lazy("Status"), accessor="get_status_display"),
            UserColumn("requested_by", label=gettext_lazy("Requested by")),
            DateColumn("requested_at", label=gettext_lazy("Requested at")),
            DateColumn("effective_at", label=gettext_lazy("Takes effect at")),
        ]


class MoveDetailView(WagtailAdminTemplateMixin, TemplateView):
    """A request's page: what it asks and why, its gates and channels, the approvals so far,
    and — for finance — approve or send back; for the requester, withdraw."""

    template_name = "workflows/move_detail.html"
    header_icon = "calendar-alt"

    def dispatch(self, request, pk):
        _require_view(request.user)
        self.move = scoped_move(request.user, pk)
        return super().dispatch(request, pk)

    def get_page_title(self):
        return _("Move to %(phase)s") % {"phase": self.move.get_to_phase_display()}

    def get_page_subtitle(self):
        return self.move.plan.name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            *_plans_crumb(),
            {
                "url": reverse("rollouts:detail", args=[self.move.plan_id]),
                "label": self.move.plan.name,
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        move, user = self.move, self.request.user
        plan = move.plan
        approve_form = kwargs.pop("approve_form", None) or ApproveForm()
        reject_form = kwargs.pop("reject_form", None) or RejectForm()
        is_open = move.status == PhaseMove.Status.IN_REVIEW
        gates = gate_results(plan, move.to_phase) if move.status in PhaseMove.OPEN else []
        approver = is_open and is_approver(user, current_approval(move)[1])
        return super().get_context_data(
            move=move,
            plan=plan,
            gates=gates,
            gates_unmet=any(not gate.met for gate in gates),
            slots=scope_slots(plan, move.to_phase) if move.to_phase != Phase.SUSPENDED else [],
            switches=open_switches(plan) if move.to_phase == Phase.SUSPENDED else [],
            approvals=move.approvals.select_related("approver"),
            needed=approvals_needed(move) if is_open else None,
            may_approve=user_may_approve(user, move),
            is_requester=move.requested_by_id == user.pk,
            may_reject=approver,
            may_withdraw=may_withdraw(user, move),
            approve_form=approve_form,
            reject_form=reject_form,
            **kwargs,
        )


def _act(request, pk, form_class, action, tell):
    """Run one action on a request from its page and ``tell`` the user how it went; a
    refusal shows the page again with the form as typed and the reason."""
    _require_view(request.user)
    move = scoped_move(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            move = action(move=move, user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            _add_errors(form, error)
        else:
            tell(request, move)
            return redirect("rollout_moves:detail", move.pk)
    key = "approve_form" if form_class is ApproveForm else "reject_form"
    return _render_with(request, pk, key, form)


def _render_with(request, pk, key, form):
    """The request's page again, showing ``form`` with its errors."""
    view = MoveDetailView()
    view.setup(request, pk=pk)
    view.move = scoped_move(request.user, pk)
    return view.render_to_response(view.get_context_data(**{key: form}))


def _tell_approved(request, move):
    """What an approval led to: taken effect, waiting for its date or the schedule, failed,
    or one of several approvals."""
    if move.status == PhaseMove.Status.FAILED:
        messages.error(
            request,
            # The outcome says what failed and why (see services._record_failure).
            _("The approval is recorded. %(why)s") % {"why": move.outcome},
        )
    elif move.status == PhaseMove.Status.APPLIED:
        messages.success(
            request,
            _("Approved. The wave is now in %(phase)s. %(outcome)s")
            % {"phase": move.get_to_phase_display(), "outcome": move.outcome},
        )
    elif move.status == PhaseMove.Status.APPROVED and move.effective_at:
        when = date_format(timezone.localtime(move.effective_at), "Y-m-d H:i")
        messages.success(
            request, _("Approved. The move takes effect at %(when)s.") % {"when": when}
        )
    elif move.status == PhaseMove.Status.APPROVED:
        # Taking effect hit a busy database: the schedule finishes it.
        messages.success(request, _("Approved. The move takes effect within a minute."))
    else:
        given, required = approvals_needed(move) or (0, 0)
        messages.success(
            request,
            _("Your approval is recorded (%(given)d of %(required)d).")
            % {"given": given, "required": required},
        )


def _tell_sent_back(request, move):
    messages.success(request, _("The request was sent back."))


@require_POST
def approve(request, pk):
    return _act(request, pk, ApproveForm, move_approve, _tell_approved)


@require_POST
def reject(request, pk):
    return _act(request, pk, RejectForm, move_reject, _tell_sent_back)


@require_POST
def withdraw(request, pk):
    _require_view(request.user)
    move = scoped_move(request.user, pk)
    try:
        move_withdraw(move=move, user=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The request was withdrawn."))
    return redirect("rollout_moves:detail", move.pk)
