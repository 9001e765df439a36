"""Building blocks for server-rendered SVG charts (no database, no scripts).

Shared by the rollout timeline (``workflows.timeline.svg``) and the KPI charts
(``kpis.charts``), so both print the same way and neither can be broken by the text it
shows: every text and attribute value is escaped, and the characters XML 1.0 refuses even
escaped (control characters, U+FFFE/U+FFFF) are dropped.
"""

import html
import re
import unicodedata

FONT_FAMILY = '"Noto Sans CJK JP", "Noto Sans JP", sans-serif'
INK = "#1a1a1a"
MUTED = "#555555"
LEGEND_ROW = 24  # the height of a row of the legend, when it wraps

# Characters XML 1.0 refuses even escaped: a user's text must not break the document.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape(text):
    """``text`` as XML character data or attribute value: escaped, illegal characters gone."""
    return html.escape(_XML_ILLEGAL.sub("", str(text)), quote=True)


def number(value):
    """A coordinate as short text: floats to at most two decimals, trailing zeros dropped."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def tag(name, attrs, content=""):
    """An element; ``content`` is markup already escaped. ``None`` attributes are left out."""
    rendered = "".join(
        f' {key}="{escape(number(value))}"' for key, value in attrs.items() if value is not None
    )
    return f"<{name}{rendered}>{content}</{name}>" if content else f"<{name}{rendered}/>"


def text(x, y, content, *, size=12, anchor=None, bold=False, fill=INK, tooltip=None, **attrs):
    """A ``<text>`` of ``content`` (plain text, escaped here), with an optional tooltip."""
    style = {"font-size": size, "text-anchor": anchor, "font-weight": "bold" if bold else None}
    inner = (title(tooltip) if tooltip else "") + escape(content)
    return tag("text", {"x": x, "y": y, **style, "fill": fill, **attrs}, inner)


def fitted_text(x, y, content, width, *, size=12, **attrs):
    """A :func:`text` shortened with "…" to ``width``, whole in its tooltip when it was."""
    shown = fit(content, width, size)
    return text(x, y, shown, size=size, tooltip=content if shown != content else None, **attrs)


def title(content):
    """A tooltip (and an accessible name) for the element it is put in."""
    return f"<title>{escape(content)}</title>"


def text_width(content, size):
    """A fair guess of the width of ``content`` at font ``size``: full-width characters take
    1 em, the rest about 0.6 em. Enough to keep labels inside their columns."""
    return size * sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in content)


def fit(content, width, size):
    """``content``, shortened with "…" to fit ``width``."""
    if text_width(content, size) <= width:
        return content
    while content and text_width(content + "…", size) > width:
        content = content[:-1]
    return content + "…"


def line(x1, y1, x2, y2, stroke, width, **attrs):
    """A ``<line>`` from (x1, y1) to (x2, y2); extra attributes such as a dash pattern."""
    return tag(
        "line",
        {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "stroke": stroke, "stroke-width": width, **attrs},
    )


def document(width, height, heading, summary, content, *, css_class, defs=""):
    """An ``<svg>`` document on a white background: it scales to its container (a viewBox
    and ``width="100%"``), loads nothing from outside, and tells a screen reader what it
    shows (``role="img"``, ``heading`` as its title, ``summary`` as its description).
    ``content`` and ``defs`` are markup already escaped."""
    root = {
        "xmlns": "http://www.w3.org/2000/svg",
        "class": css_class,
        "viewBox": f"0 0 {number(width)} {number(height)}",
        "width": "100%",
        "role": "img",
        "aria-label": heading,
        "style": f"font-family: {FONT_FAMILY}",
    }
    background = tag("rect", {"width": width, "height": height, "fill": "#fff"})
    head = f"{title(heading)}<desc>{escape(summary)}</desc>"
    return tag("svg", root, head + (f"<defs>{defs}</defs>" if defs else "") + background + content)


def hatch(pattern_id, *, size, stroke, stroke_width):
    """A ``<pattern>`` for ``<defs>``: diagonal lines on white, used as
    ``fill="url(#pattern_id)"``. A hatched fill still tells itself from a solid one when
    printed in black and white."""
    attrs = {"id": pattern_id, "width": size, "height": size, "patternUnits": "userSpaceOnUse"}
    background = tag("rect", {"width": size, "height": size, "fill": "#fff"})
    stripe = line(0, 0, 0, size, stroke, stroke_width)
    return tag("pattern", {**attrs, "patternTransform": "rotate(45)"}, background + stripe)


def legend(entries, *, left, top, right):
    """A legend below a chart: ``(sample, label)`` pairs from ``left``, wrapping before
    ``right``; ``sample(x, y)`` draws a mark 34 wide from x, centred on y. Returns the
    markup and the height it takes."""
    parts, x, y = ['<g class="legend">'], left, top + 16
    for sample, label in entries:
        room = 64 + text_width(fit(label, 220, 12), 12)
        if x > left and x + room > right:
            x, y = left, y + LEGEND_ROW
        parts.append(sample(x, y))
        parts.append(fitted_text(x + 42, y + 4, label, 220, **{"class": "legend-label"}))
        x += room
    parts.append("</g>")
    return "".join(parts), y - top + 14
