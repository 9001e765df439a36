"""The dashboard panel of requests waiting for the user's approval."""

from wagtail.admin.ui.components import Component

from workflows.selectors import moves_awaiting


class MovesToApprovePanel(Component):
    """Finance sees on the dashboard which phase moves wait for their approval."""

    name = "rollout_moves_to_approve"
    template_name = "workflows/home/moves_to_approve.html"
    order = 50  # above the departments panel: what waits for the user comes first

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        return {"moves": self.moves}

    def render_html(self, parent_context=None):
        # Read once: an empty panel is not shown at all.
        self.moves = list(moves_awaiting(self.user).order_by("requested_at"))
        return super().render_html(parent_context) if self.moves else ""
