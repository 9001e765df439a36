"""The phases of the city's rollout policy and the one table of moves between them.

A wave walks 検討 → 準備 → 先行導入 / テスト運用 → 横展開 → 本格導入 → 運用, not every
wave through every phase: payment slips went from test operation straight to full launch,
counters piloted at a few facilities before the horizontal rollout. Any phase may be
suspended (中断); a suspended wave resumes the phase it left. :data:`MOVES` is the whole
rule; :func:`check_move` refuses anything else with a reason a person can act on.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Phase(models.TextChoices):
    """A phase of the rollout policy (６ スケジュール)."""

    STUDY = "study", gettext_lazy("Study")
    PREPARATION = "preparation", gettext_lazy("Preparation")
    PILOT = "pilot", gettext_lazy("Pilot")
    TEST_OPERATION = "test_operation", gettext_lazy("Test operation")
    ROLLOUT = "rollout", gettext_lazy("Horizontal rollout")
    FULL_LAUNCH = "full_launch", gettext_lazy("Full launch")
    OPERATION = "operation", gettext_lazy("Operation")
    SUSPENDED = "suspended", gettext_lazy("Suspended")


#: The phases in the policy's order (中断 stands outside it).
ORDER = [
    Phase.STUDY,
    Phase.PREPARATION,
    Phase.PILOT,
    Phase.TEST_OPERATION,
    Phase.ROLLOUT,
    Phase.FULL_LAUNCH,
    Phase.OPERATION,
]

#: Every forward move the policy allows. Besides these, any phase but 中断 may be
#: suspended, and a suspended wave may only resume the phase it left.
MOVES = {
    Phase.STUDY: {Phase.PREPARATION},
    Phase.PREPARATION: {Phase.PILOT, Phase.TEST_OPERATION},
    Phase.PILOT: {Phase.TEST_OPERATION, Phase.ROLLOUT},
    Phase.TEST_OPERATION: {Phase.ROLLOUT, Phase.FULL_LAUNCH},
    Phase.ROLLOUT: {Phase.FULL_LAUNCH},
    Phase.FULL_LAUNCH: {Phase.OPERATION},
    Phase.OPERATION: set(),
}


class Scope(models.TextChoices):
    """Which of a wave's services have its payment methods switched on in a phase."""

    NONE = "none", gettext_lazy("None yet")
    PILOT = "pilot", gettext_lazy("Pilot services")
    ALL = "all", gettext_lazy("All services")


#: The channels a phase switches on: the pilot set while piloting and testing, every
#: service of the wave from the horizontal rollout on. A suspended wave has none on.
SCOPES = {
    Phase.STUDY: Scope.NONE,
    Phase.PREPARATION: Scope.NONE,
    Phase.PILOT: Scope.PILOT,
    Phase.TEST_OPERATION: Scope.PILOT,
    Phase.ROLLOUT: Scope.ALL,
    Phase.FULL_LAUNCH: Scope.ALL,
    Phase.OPERATION: Scope.ALL,
    Phase.SUSPENDED: Scope.NONE,
}


def position(phase):
    """Where ``phase`` sorts in a schedule: the policy's order, 中断 last."""
    return ORDER.index(phase) if phase in ORDER else len(ORDER)


def label(phase):
    """The phase as staff read it."""
    return str(Phase(phase).label)


def allowed_moves(current, *, resume_phase=""):
    """The phases a wave in ``current`` may move to, in the policy's order."""
    if current == Phase.SUSPENDED:
        return [Phase(resume_phase)] if resume_phase else []
    return [phase for phase in ORDER if phase in MOVES[current]] + [Phase.SUSPENDED]


def check_move(current, target, *, resume_phase=""):
    """Refuse a move the table does not allow, saying why and what would be allowed."""
    if target not in Phase.values:
        raise ValidationError(_("“%(phase)s” is not a phase of the rollout.") % {"phase": target})
    if target in allowed_moves(current, resume_phase=resume_phase):
        return
    names = {"current": label(current), "target": label(target)}
    if target == current:
        raise ValidationError(_("The wave is already in %(current)s.") % names)
    if current == Phase.SUSPENDED:
        raise ValidationError(
            _("A suspended wave can only resume the phase it left (%(phase)s).")
            % {"phase": label(resume_phase) if resume_phase else "—"}
        )
    if current == Phase.OPERATION:
        raise ValidationError(
            _("%(current)s is the last phase: a wave in operation can only be suspended.") % names
        )
    if ORDER.index(target) < ORDER.index(current):
        raise ValidationError(
            _(
                "A wave does not go back from %(current)s to %(target)s. "
                "Suspend it if the rollout has to stop."
            )
            % names
        )
    raise ValidationError(
        _("%(target)s cannot follow %(current)s: the next phase is %(next)s.")
        % {**names, "next": " / ".join(label(p) for p in ORDER if p in MOVES[current])}
    )
