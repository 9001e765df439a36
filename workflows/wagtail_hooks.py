"""The rollout screens in the Wagtail admin, and the rollout steps in its audit log."""

from wagtail import hooks

from workflows import log_actions


@hooks.register("register_log_actions")
def register_rollout_log_actions(actions):
    log_actions.register(actions)
