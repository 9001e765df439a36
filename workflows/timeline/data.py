"""What the fiscal-year Gantt timeline shows (導入スケジュール), read from the waves.

The timeline has two halves, so the drawing can be tested without a database:

* :func:`build_timeline` reads the waves and their schedules (a handful of queries, however
  many waves) into a frozen :class:`Timeline`: a group per wave, a row per scheduled phase
  with its planned months, its actual days, whether it is late and a status word.
* :func:`render_svg` draws a :class:`Timeline` like the city's schedule chart: fiscal years
  across the top, twelve months each from April; per phase a hatched planned bar and below
  it a thinner solid actual bar; a line for today; late phases outlined in red and marked
  遅延. It is meant to be printed, so the planned/actual difference does not rest on colour.

The screen's table and the Excel export (:mod:`workflows.timeline.workbook`) read the same
:class:`Timeline`, so the three always agree.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.fiscal import fiscal_year_bounds, fiscal_year_label
from workflows.models import PlanPhase, month_end
from workflows.phases import Phase, position

#: The range the timeline shows unless asked otherwise: 令和4年度 – 令和8年度.
DEFAULT_FIRST_FY = 2022
DEFAULT_LAST_FY = 2026


class Progress(models.TextChoices):
    """How far a scheduled phase has got, judged from its actual days."""

    NOT_STARTED = "not_started", gettext_lazy("Not started")
    IN_PROGRESS = "in_progress", gettext_lazy("In progress")
    DONE = "done", gettext_lazy("Done")


@dataclass(frozen=True)
class TimelineRow:
    """One scheduled phase of a wave, as the chart and the table show it.

    ``planned_start`` is the first day of the planned start month and ``planned_end`` the
    last day of the planned end month. ``actual_end`` is empty while the phase runs;
    ``actual_bar_end`` is where its actual bar stops: its end, or today while it runs.
    """

    wave: str
    phase: str
    phase_label: str
    planned_start: dt.date | None
    planned_end: dt.date | None
    actual_start: dt.date | None
    actual_end: dt.date | None
    actual_bar_end: dt.date | None
    progress: Progress
    late: bool

    @property
    def status(self):
        """The status word of the table: 未着手, 進行中 or 完了, with 遅延 when late."""
        word = str(self.progress.label)
        return _("%(status)s (late)") % {"status": word} if self.late else word


@dataclass(frozen=True)
class TimelineGroup:
    """A wave with its scheduled phases in the policy's order (中断 last)."""

    wave: str
    phase_label: str
    rows: tuple[TimelineRow, ...]


@dataclass(frozen=True)
class Timeline:
    """The waves' schedules over the fiscal years ``first_fy`` to ``last_fy``, on ``today``."""

    first_fy: int
    last_fy: int
    today: dt.date
    groups: tuple[TimelineGroup, ...]

    @property
    def rows(self):
        return tuple(row for group in self.groups for row in group.rows)

    @property
    def start(self):
        """The first day shown: 1 April of the first fiscal year."""
        return fiscal_year_bounds(self.first_fy)[0]

    @property
    def end(self):
        """The last day shown: 31 March after the last fiscal year."""
        return fiscal_year_bounds(self.last_fy)[1]

    @property
    def fiscal_years(self):
        return range(self.first_fy, self.last_fy + 1)

    @property
    def months(self):
        return 12 * len(self.fiscal_years)

    @property
    def range_label(self):
        """``令和4年度 (2022) – 令和8年度 (2026)``; one label for a range of one year."""
        first = fiscal_year_label(self.first_fy, with_western=True)
        if self.first_fy == self.last_fy:
            return first
        return f"{first} – {fiscal_year_label(self.last_fy, with_western=True)}"


def _progress(entry):
    if entry.actual_end:
        return Progress.DONE
    if entry.actual_start:
        return Progress.IN_PROGRESS
    return Progress.NOT_STARTED


def _row(plan, entry, today):
    is_open = entry.actual_start is not None and entry.actual_end is None
    return TimelineRow(
        wave=plan.name,
        phase=entry.phase,
        phase_label=str(Phase(entry.phase).label),
        planned_start=entry.planned_start.replace(day=1) if entry.planned_start else None,
        planned_end=month_end(entry.planned_end) if entry.planned_end else None,
        actual_start=entry.actual_start,
        actual_end=entry.actual_end,
        actual_bar_end=today if is_open else entry.actual_end,
        progress=_progress(entry),
        late=entry.is_late(today),
    )


def build_timeline(plans, *, first_fy=DEFAULT_FIRST_FY, last_fy=DEFAULT_LAST_FY, today):
    """The :class:`Timeline` of the waves in ``plans`` (a :class:`RolloutPlan` queryset, in
    its order) from fiscal year ``first_fy`` to ``last_fy``, judged on ``today``.

    Every wave is kept, even one whose schedule lies outside the range: the chart shows
    where its bars run off, and the table lists its dates.
    """
    if first_fy > last_fy:
        raise ValueError(f"fiscal year {first_fy} comes after {last_fy}")
    plans = plans.prefetch_related(
        Prefetch("schedule", queryset=PlanPhase.objects.order_by("sort_order", "pk"))
    )
    groups = tuple(
        TimelineGroup(
            wave=plan.name,
            phase_label=str(plan.get_phase_display()),
            rows=tuple(
                _row(plan, entry, today)
                for entry in sorted(plan.schedule.all(), key=lambda entry: position(entry.phase))
            ),
        )
        for plan in plans
    )
    return Timeline(first_fy=first_fy, last_fy=last_fy, today=today, groups=groups)
