"""Who may see a rollout wave and ask to move it: the department policy, spread over the
services a wave covers."""

from catalog.models import Service
from catalog.permissions import (
    DepartmentScopedPermissionPolicy,
    department_ids_for,
    policy_for,
    sees_all_departments,
)


class RolloutPlanPermissionPolicy(DepartmentScopedPermissionPolicy):
    """A wave spans departments. Finance and system administrators see every wave; a
    department administrator sees the waves covering at least one of their services."""

    def scope(self, user, queryset):
        if sees_all_departments(user):
            return queryset
        return queryset.filter(
            plan_services__service__department__in=department_ids_for(user)
        ).distinct()

    def in_scope(self, user, instance):
        return (
            sees_all_departments(user)
            or instance.plan_services.filter(
                service__department__in=department_ids_for(user)
            ).exists()
        )

    def users_with_any_permission_for_instance(self, actions, instance):
        return self.users_with_any_permission(actions)


def request_is_within_departments(user, plan):
    """Whether every service of the wave belongs to ``user``'s departments: a department
    administrator may only ask to move waves of their own services (a wave moves as a whole,
    its schedule with it, even when a phase switches on only the pilot set)."""
    if sees_all_departments(user):
        return True
    own = department_ids_for(user)
    services = Service.objects.filter(pk__in=plan.plan_services.values("service"))
    return bool(own) and not services.exclude(department__in=own).exists()


def decides_moves(user):
    """Whether ``user`` is finance for phase moves: may go ahead without the gates and
    withdraw anyone's request (approving also needs a place in the approval task)."""
    return user.has_perm("workflows.publish_phasemove")


def may_withdraw(user, move):
    """The requester or finance may withdraw a request that has not taken effect."""
    return move.status in move.OPEN and (move.requested_by_id == user.pk or decides_moves(user))


def can_request_moves(user, plan):
    """Whether ``user`` may ask to move ``plan``: with the permission to ask, and — for a
    department administrator — only when all the wave's services are theirs."""
    return (
        user.has_perm("workflows.add_phasemove")
        and policy_for(plan.__class__).in_scope(user, plan)
        and request_is_within_departments(user, plan)
    )
