"""Template tags of the public side: ``{% call_statistics call %}`` draws a call's live statistics."""

from __future__ import annotations

from typing import Any

from babel.lists import format_list
from django import template
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from consulta.calls.models import Call
from consulta.publication import charts, statistics
from consulta.publication.statistics import Breakdown, CallStatistics, Timeline

register = template.Library()


def _bar_figure(
    call: Call, breakdown: Breakdown, stats: CallStatistics, *, rtl: bool
) -> dict[str, Any]:
    language = stats.language
    headings = {
        "stakeholder_type": (
            _("By stakeholder type"),
            _("Submissions by stakeholder type"),
            _("Stakeholder type"),
        ),
        "region": (_("By ITU region"), _("Submissions by ITU region"), _("Region")),
        "language": (_("By language"), _("Submissions by language"), _("Language")),
    }
    heading, title, column = headings[breakdown.key]
    rows = [
        {
            "label": bar.label,
            "count": statistics.number(bar.count, language),
            "share": statistics.percent(bar.share, language),
            "value": bar.count,
        }
        for bar in breakdown.bars
    ]
    if breakdown.bars:
        top = breakdown.bars[0]
        desc = _(
            "Bar chart, largest first. %(label)s has the most submissions: %(count)s of %(total)s "
            "(%(share)s). The table beside the chart gives every number."
        ) % {
            "label": top.label,
            "count": statistics.number(top.count, language),
            "total": statistics.number(breakdown.total, language),
            "share": statistics.percent(top.share, language),
        }
    else:
        desc = _("No submissions yet.")
    figure_id = f"stats-{call.slug}-{breakdown.key.replace('_', '-')}"
    svg = charts.bar_chart(
        [charts.BarDatum(r["label"], r["value"], f"{r['count']} ({r['share']})") for r in rows],
        title=title,
        desc=desc,
        id_prefix=figure_id,
        rtl=rtl,
    )
    return {
        "id": figure_id,
        "key": breakdown.key,
        "heading": heading,
        "caption": title,
        "column": column,
        "svg": mark_safe(svg),  # noqa: S308 -- built from escaped text only (charts.escape)
        "rows": rows,
        "notes_column": False,
        "wide": False,
    }


def _time_figure(call: Call, timeline: Timeline, stats: CallStatistics) -> dict[str, Any]:
    language = stats.language
    periods = timeline.periods
    rows = []
    columns = []
    for period in periods:
        long_label = statistics.period_label(period, timeline.unit, language)
        count = statistics.number(period.count, language)
        rows.append(
            {
                "label": long_label,
                "count": count,
                "share": statistics.percent(period.share, language),
                "value": period.count,
                "notes": [
                    f"{d.label} ({statistics.date_label(d.at, language)})" for d in period.deadlines
                ],
                "start": period.start.isoformat(),
            }
        )
        columns.append(
            charts.ColumnDatum(
                tick=statistics.period_label(period, timeline.unit, language, short=True),
                label=long_label,
                value=period.count,
                value_text=count,
            )
        )
    markers = []
    for deadline in timeline.deadlines:
        for i, period in enumerate(periods):
            if period.start <= deadline.at < period.end:
                fraction = (deadline.at - period.start) / (period.end - period.start)
                markers.append(charts.Marker(position=i + fraction, label=deadline.label))
    deadlines = format_list(
        [f"{d.label} ({statistics.date_label(d.at, language)})" for d in timeline.deadlines],
        locale=statistics.babel_locale(language),
    )
    first = statistics.period_label(periods[0], timeline.unit, language) if periods else ""
    last = statistics.period_label(periods[-1], timeline.unit, language) if periods else ""
    if timeline.unit == "year":
        desc = _(
            "Column chart of submissions per year. First period: %(first)s; last period: %(last)s. "
            "Dashed lines mark the deadlines: %(deadlines)s. "
            "The table beside the chart gives every number."
        )
        title, column = _("Submissions per year"), _("Year")
    elif timeline.unit == "month":
        desc = _(
            "Column chart of submissions per month. First period: %(first)s; last period: %(last)s. "
            "Dashed lines mark the deadlines: %(deadlines)s. "
            "The table beside the chart gives every number."
        )
        title, column = _("Submissions per month"), _("Month")
    else:
        desc = _(
            "Column chart of submissions per week (weeks start on Monday). First period: %(first)s; "
            "last period: %(last)s. Dashed lines mark the deadlines: %(deadlines)s. "
            "The table beside the chart gives every number."
        )
        title, column = _("Submissions per week"), _("Week")
    desc = desc % {"first": first, "last": last, "deadlines": deadlines}
    figure_id = f"stats-{call.slug}-over-time"
    svg = charts.column_chart(
        columns,
        title=title,
        desc=desc,
        id_prefix=figure_id,
        markers=markers,
        number=lambda n: statistics.number(n, language),
    )
    return {
        "id": figure_id,
        "key": "over_time",
        "heading": _("Over time"),
        "caption": title,
        "column": column,
        "svg": mark_safe(svg),  # noqa: S308 -- built from escaped text only (charts.escape)
        "rows": rows,
        "notes_column": True,
        "wide": True,
    }


def statistics_context(call: Call) -> dict[str, Any]:
    stats = statistics.call_statistics(call)
    rtl = translation.get_language_bidi()
    figures = []
    if stats.total:
        figures = [
            _bar_figure(call, stats.by_stakeholder_type, stats, rtl=rtl),
            _bar_figure(call, stats.by_region, stats, rtl=rtl),
            _bar_figure(call, stats.by_language, stats, rtl=rtl),
            _time_figure(call, stats.over_time, stats),
        ]
    return {
        "call": call,
        "total": stats.total,
        "total_text": statistics.number(stats.total, stats.language),
        "all_share": statistics.percent(1.0, stats.language) if stats.total else "",
        "figures": figures,
    }


@register.inclusion_tag("publication/_statistics.html")
def call_statistics(call: Call) -> dict[str, Any]:
    """Four figures (stakeholder type, region, language, time), each an SVG chart with its table."""
    return statistics_context(call)
