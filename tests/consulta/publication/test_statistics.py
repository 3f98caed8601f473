"""Live statistics of a call: every submission counted (private ones too), drawn as SVG with a table beside."""

import html
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count
from django.template import Context, Template
from django.utils import translation

from consulta import regions
from consulta.calls.seeding import call_seed
from consulta.publication import statistics
from consulta.publication.demo import publish_demo
from consulta.publication.selectors import public_contributions
from consulta.submissions.bulk import submissions_import
from consulta.submissions.demo import load_demo_submissions
from consulta.submissions.models import StakeholderType
from consulta.submissions.selectors import submissions_received

pytestmark = pytest.mark.django_db
GENEVA = ZoneInfo("Europe/Zurich")
SVG = "{http://www.w3.org/2000/svg}"
LANGUAGES = {"ar": "ar", "zh": "zh-hans", "en": "en", "fr": "fr", "ru": "ru", "es": "es"}


@pytest.fixture
def wsis20():
    call = call_seed(slug="wsis20").call
    load_demo_submissions(call=call)
    publish_demo(call=call)
    return call


@pytest.fixture
def no_cache(settings):
    settings.CONSULTA_STATISTICS_CACHE_SECONDS = 0


def _render(call, language="en") -> str:
    with translation.override(LANGUAGES.get(language, language)):
        return Template("{% load publication_tags %}{% call_statistics call %}").render(
            Context({"call": call})
        )


def _figures(page: str) -> dict[str, tuple[ET.Element, list[tuple[str, int]]]]:
    """figure id -> (parsed svg, [(row label, count)] from its table)."""
    figures = {}
    for match in re.finditer(
        r'<figure class="chart[^"]*" aria-labelledby="([\w-]+)-heading">(.*?)</figure>', page, re.S
    ):
        figure_id, body = match.groups()
        svg = re.search(r"<svg .*?</svg>", body, re.S).group(0)
        root = ET.fromstring(svg)  # noqa: S314 -- our own output; must be well-formed XML
        rows = [
            (html.unescape(label), int(value))
            for label, value in re.findall(
                r'<tr><th scope="row">(.*?)</th><td class="number" data-value="(\d+)">', body, re.S
            )
        ]
        figures[figure_id] = (root, rows)
    return figures


def _import(call, records) -> list[str]:
    from consulta.publication.services import contributions_sync_call

    submissions_import(call=call, records=enumerate(records, start=1))
    references = list(call.all_submissions.values_list("reference", flat=True))
    contributions_sync_call(references=references)
    return references


def _record(when: datetime, consent="private", language="en", **respondent):
    return {
        "submitted_at": when.isoformat(),
        "source": "email",
        "language": language,
        "consent": consent,
        "respondent": respondent,
        "answers": {"what_works": "Community networks."},
    }


def test_it_counts_every_submission_received_private_ones_included(wsis20, no_cache):
    assert public_contributions(wsis20).count() == 82  # the 14 private ones are never public
    stats = statistics.call_statistics(wsis20, language="en")
    assert stats.total == 96
    for breakdown in (stats.by_stakeholder_type, stats.by_region, stats.by_language):
        assert sum(bar.count for bar in breakdown.bars) == 96
        counts = [bar.count for bar in breakdown.bars]
        assert counts == sorted(counts, reverse=True)
        assert sum(bar.share for bar in breakdown.bars) == pytest.approx(1.0)
    expected = dict(
        submissions_received(wsis20)
        .values_list("respondent__stakeholder_type")
        .annotate(n=Count("id"))
    )
    assert {bar.key: bar.count for bar in stats.by_stakeholder_type.bars} == expected
    assert {bar.key for bar in stats.by_region.bars} == set(regions.REGIONS)
    assert {bar.key for bar in stats.by_language.bars} == {"ar", "zh", "en", "fr", "ru", "es"}

    # WSIS+20 ran from August 2024 to March 2025, more than 26 weeks: one column per month.
    timeline = stats.over_time
    assert timeline.unit == "month"
    assert [p.start.strftime("%Y-%m") for p in timeline.periods] == [
        "2024-08",
        "2024-09",
        "2024-10",
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
        "2025-03",
    ]
    assert all(p.start.tzinfo is not None and p.start.hour == 0 for p in timeline.periods)
    assert sum(p.count for p in timeline.periods) == 96
    assert [(d.kind, d.at.isoformat()) for d in timeline.deadlines] == [
        ("original", "2025-01-31T23:59:59+01:00"),
        ("current", "2025-03-14T23:59:59+01:00"),
    ]
    assert [d.label for d in timeline.periods[5].deadlines] == ["Original deadline"]
    assert [d.label for d in timeline.periods[7].deadlines] == ["Extended deadline"]


def test_it_draws_four_figures_whose_tables_match_the_bars_in_all_six_languages(wsis20, no_cache):
    stakeholder_values = [v for v, _ in StakeholderType.choices]
    for language, django_code in LANGUAGES.items():
        page = _render(wsis20, language)
        figures = _figures(page)
        assert list(figures) == [
            "stats-wsis20-stakeholder-type",
            "stats-wsis20-region",
            "stats-wsis20-language",
            "stats-wsis20-over-time",
        ], language
        for figure_id, (svg, rows) in figures.items():
            # Named by its own title and description, which exist with those ids.
            title_id, desc_id = svg.get("aria-labelledby").split()
            assert (
                svg.find(f"{SVG}title").get("id") == title_id
                and svg.find(f"{SVG}desc").get("id") == desc_id
            )
            assert svg.get("role") == "img"
            assert sum(count for _, count in rows) == 96, (language, figure_id)
            assert f'id="{figure_id}-table"' in page
            if figure_id.endswith("over-time"):
                drawn = [int(r.get("data-value")) for r in svg.iter(f"{SVG}rect")]
                assert drawn == [count for _, count in rows if count], language
                continue
            # Bar charts: same labels, same numbers, same order as the table; largest first.
            labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") is None]
            values = [
                int(t.get("data-value"))
                for t in svg.iter(f"{SVG}text")
                if t.get("class") == "value"
            ]
            assert labels == [label for label, _ in rows], (language, figure_id)
            assert values == [count for _, count in rows] == sorted(values, reverse=True)
            rects = list(svg.iter(f"{SVG}rect"))
            if language == "ar":  # mirrored: bars grow from the right edge
                assert all(
                    float(r.get("x")) + float(r.get("width")) == pytest.approx(472) for r in rects
                )
            else:
                assert all(float(r.get("x")) == 8 for r in rects)
        with translation.override(django_code):
            for value in stakeholder_values:
                assert html.escape(str(StakeholderType(value).label)) in page
        for region in regions.REGIONS:
            assert html.escape(regions.region_label(region, language)) in page
        assert statistics.language_label("en", language) in page
        assert '<th scope="col">' in page and "<caption>" in page
    assert "Anglais" in _render(wsis20, "fr") and "الإنجليزية" in _render(wsis20, "ar")
    assert "Gouvernement" in _render(wsis20, "fr") and "Правительство" in _render(wsis20, "ru")


def test_it_counts_per_week_in_the_calls_time_zone_and_marks_the_deadline(make_call, no_cache):
    call = make_call()  # Monday 6 January to Friday 14 March 2025, Geneva time: ten weeks
    _import(
        call,
        [
            _record(datetime(2025, 1, 6, 10, 0, tzinfo=GENEVA), consent="publish_anonymous"),
            _record(datetime(2025, 1, 12, 23, 30, tzinfo=GENEVA)),  # Sunday night in Geneva
            _record(datetime(2025, 1, 13, 0, 30, tzinfo=GENEVA)),  # Monday in Geneva, Sunday in UTC
            _record(datetime(2025, 3, 14, 23, 59, tzinfo=GENEVA), language="fr"),
            _record(
                datetime(2025, 3, 20, 12, 0, tzinfo=GENEVA), language="fr"
            ),  # late, kept for review
        ],
    )
    stats = statistics.call_statistics(call, language="en")
    timeline = stats.over_time
    assert timeline.unit == "week"
    assert timeline.periods[0].start == datetime(2025, 1, 6, tzinfo=GENEVA)
    assert all(p.start.weekday() == 0 and p.start.hour == 0 for p in timeline.periods)
    assert [p.count for p in timeline.periods] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1]
    assert [d.label for d in timeline.periods[9].deadlines] == ["Deadline"]
    # No respondent details were given: they show as "Not stated", never as an empty label.
    assert [(b.label, b.count) for b in stats.by_stakeholder_type.bars] == [("Not stated", 5)]
    assert [(b.key, b.count) for b in stats.by_language.bars] == [("en", 3), ("fr", 2)]

    page = _render(call)
    svg, rows = _figures(page)["stats-practice-over-time"]
    assert rows[0] == ("Week of January 6, 2025", 2)
    marks = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "marker"]
    assert marks == ["Deadline"]
    assert "Submissions per week" in page and "Deadline (March 14, 2025)" in page


def test_it_keeps_weeks_on_local_midnight_across_a_daylight_saving_change(make_call, no_cache):
    call = make_call(
        slug="spring",
        opens=datetime(2025, 3, 3, 9, 0, tzinfo=GENEVA),
        closes=datetime(2025, 4, 30, 23, 59, 59, tzinfo=GENEVA),
    )
    _import(call, [_record(datetime(2025, 3, 31, 0, 30, tzinfo=GENEVA))])  # 30 March 22:30 UTC
    periods = statistics.call_statistics(call, language="en").over_time.periods
    week = next(p for p in periods if p.count)
    assert (
        week.start == datetime(2025, 3, 31, tzinfo=GENEVA)
        and week.start.utcoffset().total_seconds() == 7200
    )
    assert periods[3].start.utcoffset().total_seconds() == 3600  # 24 March, still winter time


def test_it_aggregates_in_the_database_in_three_grouped_queries(
    make_call, django_assert_num_queries, no_cache
):
    call = make_call()
    _import(call, [_record(datetime(2025, 1, 6 + i % 20, 10, 0, tzinfo=GENEVA)) for i in range(40)])
    # Languages (with the time range), stakeholder type × region (one join), the time series.
    with django_assert_num_queries(3):
        counts = statistics.count_submissions(call)
    assert counts["total"] == 40 and sum(counts["over_time"]["counts"]) == 40


def test_it_keeps_the_counts_a_minute_in_the_cache(
    make_call, settings, django_assert_max_num_queries
):
    settings.CONSULTA_STATISTICS_CACHE_SECONDS = 60
    call = make_call()
    statistics.forget_counts(call)
    _import(call, [_record(datetime(2025, 1, 7, 10, 0, tzinfo=GENEVA))])
    assert statistics.cached_counts(call)["total"] == 1
    with django_assert_max_num_queries(1):
        assert statistics.cached_counts(call)["total"] == 1
    _import(call, [_record(datetime(2025, 1, 8, 10, 0, tzinfo=GENEVA))])
    assert statistics.cached_counts(call)["total"] == 1  # until the entry expires
    statistics.forget_counts(call)
    assert statistics.cached_counts(call)["total"] == 2


def test_it_says_so_when_nothing_was_received(make_call, no_cache):
    call = make_call()
    page = _render(call)
    assert "No submissions yet." in page and "<svg" not in page and "<figure" not in page


def test_it_escapes_what_it_draws(make_call, no_cache):
    from consulta.submissions.models import Respondent

    call = make_call()
    _import(call, [_record(datetime(2025, 1, 7, 10, 0, tzinfo=GENEVA))])
    # A value outside the known list (e.g. from an old import) is shown as it is, escaped.
    Respondent.objects.filter(submission__call=call).update(stakeholder_type="<b>&x")
    page = _render(call)
    assert "<b>&x" not in page and "&lt;b&gt;&amp;x" in page
    svg, rows = _figures(page)["stats-practice-stakeholder-type"]
    assert rows == [("<b>&x", 1)]
    assert "<b>&x" in [t.text for t in svg.iter(f"{SVG}text")]
