"""The fiscal-year Gantt timeline of the rollout waves (導入スケジュール): what it shows
(:mod:`.data`), the chart (:mod:`.svg`), the Excel download (:mod:`.workbook`) and the
admin screens (:mod:`.views`)."""

from workflows.timeline.data import (
    DEFAULT_FIRST_FY,
    DEFAULT_LAST_FY,
    Progress,
    Timeline,
    TimelineGroup,
    TimelineRow,
    build_timeline,
)
from workflows.timeline.svg import render_svg
from workflows.timeline.workbook import timeline_workbook

__all__ = [
    "DEFAULT_FIRST_FY",
    "DEFAULT_LAST_FY",
    "Progress",
    "Timeline",
    "TimelineGroup",
    "TimelineRow",
    "build_timeline",
    "render_svg",
    "timeline_workbook",
]
