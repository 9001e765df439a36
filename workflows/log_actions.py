"""How the rollout steps read in Wagtail's audit log: what happened to which wave, and the
reason or comment given (who and when come with every log entry)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import LogFormatter

from workflows.phases import Phase, label


def _phases(log_entry):
    """The move's phases in the reader's language (the codes are stored, not the words)."""
    data = log_entry.data or {}
    return {
        key: label(data[key]) if data.get(key) in Phase.values else "" for key in ("from", "to")
    }


class MoveFormatter(LogFormatter):
    """A step of a phase move: the message names the move; the comment is the reason."""

    text = ""
    comment_key = "reason"

    def format_message(self, log_entry):
        return self.text % _phases(log_entry)

    def format_comment(self, log_entry):
        return (log_entry.data or {}).get(self.comment_key, "")


class Requested(MoveFormatter):
    label = gettext_lazy("Request phase move")
    text = gettext_lazy("Asked to move from %(from)s to %(to)s")


class Overridden(MoveFormatter):
    label = gettext_lazy("Go ahead without the gates")
    text = gettext_lazy("Went ahead to %(to)s without the gates being met")


class Approved(MoveFormatter):
    label = gettext_lazy("Approve phase move")
    comment_key = "comment"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return _("Approved the move from %(from)s to %(to)s (%(given)s of %(required)s)") % {
            **_phases(log_entry),
            "given": data.get("approvals", ""),
            "required": data.get("required", ""),
        }


class Scheduled(MoveFormatter):
    label = gettext_lazy("Schedule phase move")
    text = gettext_lazy("The move from %(from)s to %(to)s waits for its date")
    comment_key = "effective_at"


class Rejected(MoveFormatter):
    label = gettext_lazy("Send phase move back")
    text = gettext_lazy("Sent back the move from %(from)s to %(to)s")
    comment_key = "comment"


class Withdrawn(MoveFormatter):
    label = gettext_lazy("Withdraw phase move")
    text = gettext_lazy("Withdrew the move from %(from)s to %(to)s")


class Failed(MoveFormatter):
    label = gettext_lazy("Phase move failed")
    text = gettext_lazy("The move from %(from)s to %(to)s could not take effect")


class Changed(MoveFormatter):
    label = gettext_lazy("Change phase")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return _(
            "Moved from %(from)s to %(to)s; channels switched on: %(on)d, switched off: %(off)d"
        ) % {
            **_phases(log_entry),
            "on": len(data.get("switched_on", [])),
            "off": len(data.get("switched_off", [])),
        }

    def format_comment(self, log_entry):
        data = log_entry.data or {}
        return "、".join(data.get("switched_on", []) + data.get("switched_off", []))


FORMATTERS = {
    "workflows.move.request": Requested,
    "workflows.move.override": Overridden,
    "workflows.move.approve": Approved,
    "workflows.move.schedule": Scheduled,
    "workflows.move.reject": Rejected,
    "workflows.move.withdraw": Withdrawn,
    "workflows.move.fail": Failed,
    "workflows.phase.change": Changed,
}


def register(actions):
    """Register every rollout action with Wagtail's log registry."""
    for action, formatter in FORMATTERS.items():
        actions.register_action(action)(formatter)
