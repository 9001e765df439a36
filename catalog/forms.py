"""Admin form base that keeps choices inside the user's departments."""

from django.forms import ModelChoiceField
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.permissions import policy_registry

from catalog.permissions import DepartmentScopedPermissionPolicy


class DepartmentScopedForm(WagtailAdminModelForm):
    """Every choice of a department-owned record (a department, a facility, …) offers only
    the user's own; a forged id of another department's record fails validation.

    A department administrator with a single department finds it already chosen.
    """

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is None:
            return
        for name, field in self.fields.items():
            if not isinstance(field, ModelChoiceField):
                continue
            policy = policy_registry.get_by_type(field.queryset.model)
            if not isinstance(policy, DepartmentScopedPermissionPolicy):
                continue
            field.queryset = policy.scope(for_user, field.queryset)
            if not self.instance.pk and field.required and field.queryset.count() == 1:
                self.initial.setdefault(name, field.queryset.get().pk)


class DepartmentForm(DepartmentScopedForm):
    """A department's form: its administrators are offered by name, login id in brackets."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["administrators"]
        field.queryset = field.queryset.order_by("username")
        field.label_from_instance = lambda user: (
            f"{user.get_full_name() or user.username} ({user.username})"
        )
