"""Server-rendered SVG charts: well-formed, escaped, legible, mirrored for right-to-left readers."""

import re
import xml.etree.ElementTree as ET

import pytest

from consulta.publication import charts
from consulta.publication.charts import BarDatum, ColumnDatum, Marker

NS = {"svg": "http://www.w3.org/2000/svg"}


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 -- our own output


def _bars(**kwargs) -> str:
    data = [
        BarDatum("Government", 25, "25 (26%)"),
        BarDatum("Civil society", 10, "10 (10.4%)"),
        BarDatum("Other", 1, "1 (1%)"),
    ]
    return charts.bar_chart(data, title="By type", desc="Bar chart", id_prefix="t", **kwargs)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_it_writes_well_formed_svg_named_by_its_title_and_desc():
    root = _parse(_bars())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "t-title t-desc"
    assert (
        root.find("svg:title", NS).get("id") == "t-title"
        and root.find("svg:title", NS).text == "By type"
    )
    assert (
        root.find("svg:desc", NS).get("id") == "t-desc"
        and root.find("svg:desc", NS).text == "Bar chart"
    )
    assert root.get("viewBox").startswith("0 0 480 ") and root.get("width") == "480"


def test_it_escapes_labels_titles_and_descriptions():
    nasty = "A <b>\"quoted\"</b> & 'odd' label</svg><script>alert(1)</script>"
    svg = charts.bar_chart([BarDatum(nasty, 3, "3 <&>")], title=nasty, desc=nasty, id_prefix="x")
    root = _parse(svg)
    assert "<script>" not in svg and "<b>" not in svg
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert nasty in texts and "3 <&>" in texts
    assert root.find("svg:title", NS).text == nasty
    column = charts.column_chart(
        [ColumnDatum(tick="<&>", label='"x"', value=2, value_text="2")],
        title="t",
        desc="d",
        id_prefix="y",
        markers=[Marker(0.5, "<deadline & co>")],
    )
    texts = [t.text for t in _parse(column).iter("{http://www.w3.org/2000/svg}text")]
    assert "<&>" in texts and "<deadline & co>" in texts


def test_it_draws_bars_in_proportion_with_their_numbers_written_beside_them():
    root = _parse(_bars())
    rects = root.findall(".//svg:rect", NS)
    widths = [float(r.get("width")) for r in rects]
    assert widths[0] > widths[1] > widths[2] >= 2
    assert widths[1] / widths[0] == pytest.approx(10 / 25, abs=0.01)
    values = [t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "value"]
    assert [v.text for v in values] == ["25 (26%)", "10 (10.4%)", "1 (1%)"]
    assert [int(v.get("data-value")) for v in values] == [25, 10, 1]
    # Every bar stays inside the drawing, number included.
    for rect, value in zip(rects, values, strict=True):
        assert float(rect.get("x")) + float(rect.get("width")) < float(value.get("x")) < 480


def test_it_mirrors_horizontal_bars_for_right_to_left_readers():
    ltr, rtl = _parse(_bars()), _parse(_bars(rtl=True))
    assert ltr.get("direction") == rtl.get("direction") == "ltr"  # anchors mean the same everywhere
    for a, b in zip(ltr.findall(".//svg:rect", NS), rtl.findall(".//svg:rect", NS), strict=True):
        assert float(a.get("x")) == 8
        assert float(b.get("x")) + float(b.get("width")) == pytest.approx(472)
        assert a.get("width") == b.get("width")
    labels = [t for t in rtl.iter("{http://www.w3.org/2000/svg}text") if t.get("class") is None]
    assert all(t.get("text-anchor") == "end" and float(t.get("x")) == 472 for t in labels)
    values = [t for t in rtl.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "value"]
    rects = rtl.findall(".//svg:rect", NS)
    assert all(float(v.get("x")) < float(r.get("x")) for v, r in zip(values, rects, strict=True))


def test_it_uses_presentation_attributes_only_so_the_csp_allows_it():
    svg = _bars() + charts.column_chart(
        [ColumnDatum("Jan", "January", 3, "3")],
        title="t",
        desc="d",
        id_prefix="c",
        markers=[Marker(0.2, "Deadline")],
    )
    assert (
        "style=" not in svg and "<style" not in svg and "<script" not in svg and "href" not in svg
    )


def test_it_keeps_text_legible_and_colours_in_contrast():
    svg = _bars() + charts.column_chart(
        [ColumnDatum("Jan", "January", 3, "3")],
        title="t",
        desc="d",
        id_prefix="c",
        markers=[Marker(0.2, "Deadline")],
    )
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes and min(sizes) >= 13
    for text_colour in re.findall(r'<text[^>]* fill="(#[0-9a-f]{6})"', svg):
        assert _contrast(text_colour, "#ffffff") >= 4.5, text_colour
    assert _contrast(charts.BAR_FILL, "#ffffff") >= 3  # graphical objects (WCAG 1.4.11)
    assert _contrast(charts.MARK, "#ffffff") >= 4.5


@pytest.mark.parametrize(
    ("largest", "expected"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (54, [0, 20, 40, 60]),
        (1000, [0, 250, 500, 750, 1000]),
    ],
)
def test_it_picks_round_axis_steps(largest, expected):
    ticks = charts.nice_ticks(largest)
    assert ticks[0] == 0 and ticks[-1] >= largest and len(ticks) <= 6
    if largest in (0, 1, 3, 54):
        assert ticks == expected


def test_it_marks_deadlines_where_they_fall_in_the_columns():
    columns = [ColumnDatum(f"W{i}", f"Week {i}", i, str(i)) for i in range(4)]
    root = _parse(
        charts.column_chart(
            columns,
            title="t",
            desc="d",
            id_prefix="c",
            markers=[Marker(1.5, "Original"), Marker(3.25, "Extended")],
        )
    )
    lines = [
        ln for ln in root.iter("{http://www.w3.org/2000/svg}line") if ln.get("stroke-dasharray")
    ]
    rects = root.findall(".//svg:rect", NS)  # the week with 0 has no rectangle
    assert [int(r.get("data-value")) for r in rects] == [1, 2, 3]
    first_centre = float(rects[0].get("x")) + float(rects[0].get("width")) / 2  # centre of column 1
    second_centre = (
        float(rects[1].get("x")) + float(rects[1].get("width")) / 2
    )  # centre of column 2
    step = second_centre - first_centre
    assert float(lines[0].get("x1")) == pytest.approx(first_centre + step * 0, abs=0.2)
    assert float(lines[1].get("x1")) == pytest.approx(first_centre + step * 1.75, abs=0.2)
    marks = [
        t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "marker"
    ]
    assert marks == ["Original", "Extended"]


def test_it_thins_axis_labels_and_drops_numbers_that_do_not_fit():
    columns = [ColumnDatum(f"Week {i}", f"Week {i}", 123456, "123,456") for i in range(26)]
    root = _parse(charts.column_chart(columns, title="t", desc="d", id_prefix="c"))
    ticks = [t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "tick"]
    assert 2 <= len(ticks) < 26
    assert not [
        t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "value"
    ]
    # The numbers are still there for hover and in the table beside.
    assert all(
        r.find("svg:title", NS).text == f"{c.label}: 123,456"
        for r, c in zip(root.findall(".//svg:rect", NS), columns, strict=True)
    )
