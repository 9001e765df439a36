"""How the dashboard writes its numbers: shares as 37.5%, changes as +1.2pt, yen as
¥1,234 and an unknown figure as "—" (never as zero)."""

from django import template

from catalog.fiscal import fiscal_year_label
from kpis.charts import one_decimal, percent_label

register = template.Library()

DASH = "—"


@register.filter
def percent(value):
    """A share (0.375) as ``37.5%``; ``—`` when it is unknown."""
    return percent_label(value)


@register.filter
def points(value):
    """A change in percentage points as ``+1.2pt`` / ``−0.4pt``; ``—`` when unknown."""
    if value is None:
        return DASH
    rounded = one_decimal(abs(value))
    if not rounded:
        return "±0.0pt"
    sign = "+" if value > 0 else "−"
    return f"{sign}{rounded}pt"


@register.filter
def yen(value):
    """Whole yen as ``¥1,234``; ``—`` when unknown."""
    return DASH if value is None else f"¥{value:,}"


@register.filter
def number(value):
    """A count as ``1,234``; ``—`` when unknown."""
    return DASH if value is None else f"{value:,}"


@register.filter
def fiscal_year(value):
    """A fiscal year as staff read it: ``令和6年度 (2024)``."""
    return fiscal_year_label(value, with_western=True)
