"""Who may see a rollout wave and ask to move it: the department policy, spread over the
services a wave covers."""

from catalog.models import Service
from catalog.permissions import (
    DepartmentScopedPermissionPolicy,
    department_ids_for,
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


def can_request_moves(user, plan):
    """Whether ``user`` may ask to move ``plan``: with the permission to ask, and — for a
    department administrator — only when all the wave's services are theirs."""
    from catalog.permissions import policy_for

    return (
        user.has_perm("workflows.add_phasemove")
        and policy_for(plan.__class__).in_scope(user, plan)
        and request_is_within_departments(user, plan)
    )
