"""Geometry of the HTML report's SVG charts: every coordinate, label line and label lane, computed here.

The templates only place what this module computes. Label sizes are estimated from their text
(a generous average glyph width), so labels can be wrapped, stacked into lanes or moved aside
before the browser draws them: no two labels may overlap, and none may leave its chart,
whatever the number of suppliers or retirements (tests/test_report_browser.py checks it as drawn).
"""
from __future__ import annotations

import textwrap

CHART_WIDTH = 560
FONT = 12  # px, chart labels (report.css .chart text)
SMALL = 11  # px, ticks and timeline labels
GLYPH = 0.62  # average glyph width in em, on the generous side for the sans-serif stacks of report.css
LINE = 1.25  # line height in em
BAR_HEIGHT = 18
ROW_GAP = 8
LABEL_WIDTH = 210
MAX_BARS = 8
HHI_MAX = 10000
HHI_BANDS = ((0, 1000, "low"), (1000, 1800, "moderate"), (1800, HHI_MAX, "high"))
HHI_TICKS = (0, 1000, 1800, HHI_MAX)
MONTHS = 12
PAST_ZONE = 96  # px left of the timeline's "today" for models whose date has passed
LANE = 16  # px between timeline label lanes
MAX_LANES = 8


def text_width(text: str, size: int = FONT) -> float:
    return len(text) * size * GLYPH


def wrap(text: str, width: float, size: int = FONT, lines: int = 2) -> list:
    """`text` in at most `lines` lines that fit `width` px, broken at spaces; the last line ends in … if cut."""
    chars = max(4, int(width / (size * GLYPH)))
    out = textwrap.wrap(text, chars, break_long_words=True, break_on_hyphens=False) or [""]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][:chars - 1].rstrip() + "…"
    return out


def _rows(items: list) -> tuple:
    """Each (label, ...) item with its wrapped label lines and y, and the total height."""
    rows, y = [], 0
    for label, *rest in items:
        lines = wrap(label, LABEL_WIDTH - 10)
        height = max(BAR_HEIGHT, len(lines) * FONT * LINE)
        rows.append({"label": label, "lines": lines, "y": y, "h": height, "rest": rest})
        y += height + ROW_GAP
    return rows, y


def _label_y(row: dict) -> list:
    """Baselines of a row's label lines, centred on its bar."""
    block = len(row["lines"]) * FONT * LINE
    top = row["h"] / 2 - block / 2
    return [round(top + FONT * (LINE * i + 1) - 2, 1) for i in range(len(row["lines"]))]


def bars(items: list, text=lambda value: f"{100 * value:.0f}%") -> dict:
    """Horizontal bars for values in [0, 1], one row per label; labels wrap onto two lines."""
    span = CHART_WIDTH - LABEL_WIDTH - 48  # room for the value after the longest bar
    rows, height = _rows(items)
    for row in rows:
        value = max(0.0, min(1.0, row["rest"][0]))
        row.update(w=round(value * span, 1), text=text(value), baselines=_label_y(row),
                   bar_y=round(row["h"] / 2 - BAR_HEIGHT / 2, 1))
    return {"rows": rows, "height": round(height, 1), "width": CHART_WIDTH, "label_width": LABEL_WIDTH, "span": span}


def top_with_other(items: list, limit: int = MAX_BARS, other: str = "{n} other suppliers") -> list:
    """The first `limit - 1` (label, value) items and one summed "other" row, when there are more than `limit`."""
    if len(items) <= limit:
        return items
    rest = items[limit - 1:]
    return items[:limit - 1] + [(other.format(n=len(rest)), sum(value for _, value in rest))]


def stacked(items: list) -> dict:
    """One bar per label, split into segments by class counts (the switching-cost classes)."""
    span = CHART_WIDTH - LABEL_WIDTH
    rows, height = _rows(items)
    for row in rows:
        counts = row["rest"][0]
        total, x, segments = sum(counts) or 1, 0.0, []
        for index, count in enumerate(counts):
            if count:
                w = round(span * count / total, 1)
                fits = text_width(str(count), SMALL) + 6 <= w
                segments.append({"x": round(x, 1), "w": w, "cls": index, "count": count, "show": fits})
                x += w
        row.update(segments=segments, total=sum(counts), baselines=_label_y(row), bar_y=round(row["h"] / 2 - BAR_HEIGHT / 2, 1))
    return {"rows": rows, "height": round(height, 1), "width": CHART_WIDTH, "label_width": LABEL_WIDTH}


def gauge(value: float, previous=None) -> dict:
    """The HHI on its 0-10,000 scale with the 1,000 and 1,800 bands; tick labels never collide or leave the chart."""
    scale = CHART_WIDTH / HHI_MAX
    ticks = [{"x": t * scale, "text": f"{t:,}"} for t in HHI_TICKS]
    _spread(ticks, SMALL, 0, CHART_WIDTH)
    marker = round(min(value, HHI_MAX) * scale, 1)
    label = f"{value:,.0f}"
    half = text_width(label, FONT) / 2
    return {
        "width": CHART_WIDTH, "value": value, "x": marker, "ticks": ticks,
        "label": label, "label_x": round(min(max(marker, half), CHART_WIDTH - half), 1),
        "bands": [{"x": round(lo * scale, 1), "w": round((hi - lo) * scale, 1), "name": name} for lo, hi, name in HHI_BANDS],
        "previous": None if previous is None else round(min(previous, HHI_MAX) * scale, 1),
    }


def _spread(labels: list, size: int, left: float, right: float, gap: float = 6) -> None:
    """Centre each label on its x, then push neighbours apart (and inside [left, right]) so none overlap."""
    for label in labels:
        w = text_width(label["text"], size)
        label["x0"] = min(max(label["x"] - w / 2, left), right - w)
        label["w"] = w
    for before, after in zip(labels, labels[1:]):
        after["x0"] = max(after["x0"], before["x0"] + before["w"] + gap)
    for label in labels:
        label["x0"] = round(label["x0"], 1)


def risk_bar(components: dict, terms: tuple) -> dict:
    """The weighted terms of the 0-100 risk score, side by side on one bar. A term the score left out
    (outage impact without traced reach) is not drawn: a "0.0" would read as no impact."""
    scale, x, parts = CHART_WIDTH / 100.0, 0.0, []
    for key, label in terms:
        if key not in components:
            continue
        value = components[key]
        parts.append({"label": label, "value": value, "x": round(x, 1), "w": round(value * scale, 1), "cls": key})
        x += value * scale
    return {"width": CHART_WIDTH, "parts": parts}


# --- the retirement timeline -----------------------------------------------------------------

def timeline(retirements: list, days: int = 365) -> dict:
    """Retirement dates over the next twelve months, models sharing a date grouped, labels packed into lanes.

    Dates already past gather in one red mark left of "today". Each label sits in the lowest lane
    where it clears every label already there; when all MAX_LANES lanes are taken, a date keeps
    its dot without a label (the table below the chart lists every model), so labels never overlap.
    """
    axis = CHART_WIDTH - PAST_ZONE
    past = [r for r in retirements if r["days_left"] < 0]
    groups = {}
    for r in retirements:
        if 0 <= r["days_left"] <= days:
            groups.setdefault(r["retire_date"], []).append(r)
    marks = [_mark(date, rows, PAST_ZONE + rows[0]["days_left"] * axis / days) for date, rows in sorted(groups.items())]
    if past:
        marks.insert(0, _past_mark(past))
    placed = _lanes(marks)
    lanes = max((m["lane"] for m in placed if m["lane"] is not None), default=-1) + 1
    top = 6 + lanes * LANE
    for mark in placed:
        lane = mark["lane"] if mark["lane"] is not None else lanes
        mark["label_y"] = 6 + (lane + 1) * LANE - 4
        mark["stem_top"] = mark["label_y"] + 3 if mark["text"] else top + 4
    return {"width": CHART_WIDTH, "height": top + 40, "axis_y": top + 10, "past_zone": PAST_ZONE, "marks": placed,
            "months": [round(PAST_ZONE + m * axis / MONTHS, 1) for m in range(MONTHS + 1)],
            "beyond": sum(r["days_left"] > days for r in retirements),
            "unlabelled": sum(m["text"] is None for m in placed)}


def _mark(date: str, rows: list, x: float) -> dict:
    models = [r["model"] for r in rows]
    text = models[0] if len(models) == 1 else f"{models[0]} +{len(models) - 1}"
    return {"x": round(x, 1), "date": date, "models": models, "text": f"{text} {date}", "overdue": False,
            "uncertain": any(not r.get("certain", True) for r in rows)}


def _past_mark(rows: list) -> dict:
    models = [r["model"] for r in rows]
    return {"x": PAST_ZONE / 2, "date": rows[0]["retire_date"], "models": models, "overdue": True,
            "text": f"{len(models)} past {'its' if len(models) == 1 else 'their'} date",
            "uncertain": any(not r.get("certain", True) for r in rows)}


def _lanes(marks: list) -> list:
    """Give each mark a lane and a label box; a mark that finds no free lane keeps its dot but loses its label."""
    ends = []  # per lane, the right edge of its last label
    for mark in marks:
        if not _place(mark, ends):
            mark.update(lane=None, text=None)
    return marks


def _place(mark: dict, ends: list) -> bool:
    width = text_width(mark["text"], SMALL)
    start = mark["x"] + 4
    anchor = "start"
    if start + width > CHART_WIDTH:  # near the right edge the label reads leftwards from its stem
        start, anchor = mark["x"] - 4 - width, "end"
    start = max(0.0, start)
    for lane, end in enumerate(ends):
        if start >= end + 8:
            ends[lane] = start + width
            mark.update(lane=lane, anchor=anchor, x0=round(start, 1), w=round(width, 1))
            return True
    if len(ends) < MAX_LANES:
        ends.append(start + width)
        mark.update(lane=len(ends) - 1, anchor=anchor, x0=round(start, 1), w=round(width, 1))
        return True
    return False
