"""Who may see a rollout wave and ask to move it: the department policy, spread over the
services a wave covers."""

from catalog.models import Service
from catalog.permissions import (
    DepartmentScopedPermissionPolicy,
    department_ids_for,
    sees_all_departments,
)
from workflows.phases import SCOPES, Scope


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


def request_is_within_departments(user, plan, phase):
    """Whether every service the move touches belongs to ``user``'s departments: a
    department administrator may only ask for their own services. A move to a phase that
    switches channels on touches that phase's services; any other move (study, preparation,
    suspension) touches the whole wave."""
    from workflows.selectors import services_in_scope

    if sees_all_departments(user):
        return True
    if SCOPES[phase] == Scope.NONE:
        services = Service.objects.filter(pk__in=plan.plan_services.values("service"))
    else:
        services = services_in_scope(plan, phase)
    own = department_ids_for(user)
    return bool(own) and not services.exclude(department__in=own).exists()


def can_request_moves(user, plan):
    """Whether ``user`` may ask to move ``plan`` at all (which moves: see
    :func:`request_is_within_departments`)."""
    from catalog.permissions import policy_for

    return user.has_perm("workflows.add_phasemove") and policy_for(plan.__class__).in_scope(
        user, plan
    )
