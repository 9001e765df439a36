"""The one department-scoping permission policy.

Every screen, export, bulk action, chooser and API route that shows or changes a
department's records asks this policy, so the rule lives in one place:

* a user with ``catalog.view_all_departments`` (finance, system administrators) or a
  superuser works across all departments, within their model permissions;
* anyone else works only on the records of the departments they administer
  (:attr:`catalog.models.Department.administrators`), within their model permissions.

It is a Wagtail permission policy, so Wagtail's own views and bulk actions use it too once
it is registered for a model (see :func:`register_department_policies`).
"""

from django.db.models import Q
from wagtail.permission_policies import ModelPermissionPolicy

ALL_DEPARTMENTS_PERMISSION = "catalog.view_all_departments"


def sees_all_departments(user):
    """Whether ``user`` works across every department (finance, system administrators)."""
    return bool(user.is_active and (user.is_superuser or user.has_perm(ALL_DEPARTMENTS_PERMISSION)))


def department_ids_for(user):
    """The ids of the departments ``user`` administers (cached on the user object)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if not hasattr(user, "_administered_department_ids"):
        user._administered_department_ids = frozenset(
            user.administered_departments.values_list("pk", flat=True)
        )
    return user._administered_department_ids


class DepartmentScopedPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, narrowed to the departments a user may work on.

    ``department_path`` is the lookup from the model to its :class:`Department`:
    ``"department"`` for a service or a facility, ``"service__department"`` for a record
    hanging off a service, and ``""`` for the Department model itself.
    """

    def __init__(self, model, department_path="department"):
        super().__init__(model)
        self.department_path = department_path

    def _department_id_lookup(self):
        return f"{self.department_path}__pk" if self.department_path else "pk"

    def department_id_of(self, instance):
        """The id of the department that owns ``instance``."""
        if not self.department_path:
            return instance.pk
        *path, last = self.department_path.split("__")
        for step in path:
            instance = getattr(instance, step)
        return getattr(instance, f"{last}_id")

    def scope(self, user, queryset):
        """Narrow ``queryset`` (of this policy's model) to what ``user`` may work on."""
        if sees_all_departments(user):
            return queryset
        return queryset.filter(**{f"{self._department_id_lookup()}__in": department_ids_for(user)})

    def in_scope(self, user, instance):
        """Whether ``instance`` belongs to a department ``user`` may work on."""
        return sees_all_departments(user) or self.department_id_of(instance) in department_ids_for(
            user
        )

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and self.in_scope(user, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions) and self.in_scope(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        return self.scope(user, self.model._default_manager.all())

    def users_with_any_permission_for_instance(self, actions, instance):
        department_id = self.department_id_of(instance)
        return (
            self.users_with_any_permission(actions)
            .filter(
                Q(is_superuser=True)
                | Q(groups__permissions__codename="view_all_departments")
                | Q(user_permissions__codename="view_all_departments")
                | Q(administered_departments__pk=department_id)
            )
            .distinct()
        )


def register_department_policies():
    """Register the policy for the catalog models, before any Wagtail view asks for one."""
    from wagtail.permissions import register_permission_policy

    from catalog.models import Assessment, Department, Facility, Service

    register_permission_policy(Department, DepartmentScopedPermissionPolicy(Department, ""))
    register_permission_policy(Facility, DepartmentScopedPermissionPolicy(Facility))
    register_permission_policy(Service, DepartmentScopedPermissionPolicy(Service))
    register_permission_policy(
        Assessment, DepartmentScopedPermissionPolicy(Assessment, "service__department")
    )


def policy_for(model):
    """The registered department policy for ``model``."""
    from wagtail.permissions import policy_registry

    return policy_registry.get_by_type(model)
