"""What :mod:`kpis.selectors` hands to :func:`kpis.figures.build_figures`: plain,
frozen records of the services, methods, summed results and targets, and the periods
compared, so the arithmetic can be tested on numbers made by hand."""

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

#: The first fiscal year the trend shows: 令和3年度, the policy's first reported year.
TREND_FIRST_FY = 2021


@dataclass(frozen=True)
class ServiceInfo:
    id: int
    code: str
    name: str
    route: str
    route_label: str
    department_id: int
    department: str


@dataclass(frozen=True)
class MethodInfo:
    id: int
    name: str
    payment_class: str
    class_label: str


class ResultRow(NamedTuple):
    """Collection results of one service × method in one fiscal year; ``same_period`` says
    whether the months lie within the comparison period (see :class:`Periods`), ``first``
    and ``last`` are its first and last month. A tuple: the selector reads thousands of
    these straight from the database's rows."""

    fiscal_year: int
    same_period: bool
    service_id: int
    method_id: int
    count: int
    amount: int
    on_time: int
    first: dt.date | None = None
    last: dt.date | None = None


@dataclass(frozen=True)
class TargetInfo:
    metric: str
    service_id: int | None
    fiscal_year: int
    share: float


@dataclass(frozen=True)
class Periods:
    """The fiscal year the dashboard shows and what it is compared with.

    ``months`` is how many months of ``fiscal_year`` have results (April first); last
    year is compared over the same months, so a year in progress is not set against a
    whole one.
    """

    fiscal_year: int
    months: int
    first_fy: int = TREND_FIRST_FY

    @property
    def last_year(self):
        return self.fiscal_year - 1

    @property
    def fiscal_years(self):
        """The years the trend shows."""
        return range(min(self.first_fy, self.fiscal_year), self.fiscal_year + 1)

    @property
    def years_read(self):
        """The years whose results are read: the trend's, and last year for comparison."""
        return range(min(self.first_fy, self.last_year), self.fiscal_year + 1)

    def comparison_end(self):
        """The first day of the month after the comparison months of last year."""
        month = 4 + self.months
        return dt.date(self.last_year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
