"""Who may do what to a payment channel (the department policy, plus one rule of its own)
and to a payment method (model permissions, but never add one in the admin)."""

from wagtail.permission_policies import ModelPermissionPolicy

from catalog.permissions import DepartmentScopedPermissionPolicy


class ChannelPermissionPolicy(DepartmentScopedPermissionPolicy):
    """Department scoping through the channel's service, and: taking a published channel
    away from integrators is finance's decision, as putting it there is. Deleting a live
    channel therefore needs the publish permission too; a department administrator may
    delete only channels that are not published."""

    def __init__(self, model):
        super().__init__(model, "service__department")

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete" and instance.live and not self.user_has_permission(user, "publish"):
            return False
        return super().user_has_permission_for_instance(user, action, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(
            self.user_has_permission_for_instance(user, action, instance) for action in actions
        )


class PaymentMethodPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, except that nobody adds a payment method in the admin: the
    methods are seeded with their codes and configuration kinds (``channels.setup``),
    which the settings form does not edit; a method without them could not work."""

    def user_has_permission(self, user, action):
        return action != "add" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)
