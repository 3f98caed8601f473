"""A report bundle laid out for reading: translated headings, labelled tables, charts and quotes.

``consulta.analysis.report`` decides what the report says; this module decides the words around it
(headings and labels in the reader's language) and the order of things, once, so that the HTML, PDF,
DOCX and XLSX renderers only format. Build it inside ``translation.override`` of the report's
language (``document_build`` does that).

Quotes come only from ``bundle.quotes``, which holds nothing but consented, published responses: a
quote reference that did not resolve there is skipped, never shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from consulta import languages, regions
from consulta.analysis import adapter
from consulta.analysis.report import ReportBundle
from consulta.submissions.models import StakeholderType

# Section titles in the secretariat's order (synthesis titles are English; these are translated).
SECTION_TITLES = {
    "participation": gettext_lazy("The process and participation"),
    "achievements": gettext_lazy("Achievements"),
    "strengthening": gettext_lazy("Strengthening the WSIS process"),
    "trends": gettext_lazy("Emerging digital trends"),
    "challenges": gettext_lazy("Challenges"),
    "action_lines": gettext_lazy("WSIS Action Lines and SDGs"),
    "sdgs": gettext_lazy("Sustainable Development Goals"),
    "methods": gettext_lazy("Methods and caveats"),
}
KIND_LABELS = {
    "achievement": gettext_lazy("Achievements"),
    "challenge": gettext_lazy("Challenges"),
    "recommendation": gettext_lazy("Recommendations"),
}
BREAKDOWN_LABELS = {
    "stakeholder_type": gettext_lazy("By stakeholder type"),
    "region": gettext_lazy("By region"),
    "language": gettext_lazy("By language"),
    "question": gettext_lazy("By question"),
}
DUPLICATE_LABELS = {
    "exact": gettext_lazy("Exact duplicates"),
    "near": gettext_lazy("Near duplicates"),
    "campaign": gettext_lazy("Campaigns"),
}
# Breakdowns shown in the reading formats (all of them go to the XLSX file).
SHOWN_BREAKDOWNS = ("stakeholder_type", "region")
CHART_SECTIONS = {"trends": "trends", "sdgs": "sdgs", "challenges": "challenges"}


@dataclass
class Table:
    id: str
    caption: str
    headers: list[str]
    rows: list[list[Any]]  # cells: str, int or float (shares are floats 0..1, shown as percentages)
    numeric: list[bool] = field(default_factory=list)  # per column
    percent: list[bool] = field(default_factory=list)  # per column: a share, shown as a percentage
    cells: list[list[tuple[str, bool]]] = field(
        default_factory=list
    )  # filled by renderers: (text, numeric)

    def __post_init__(self):
        width = len(self.headers)
        self.numeric = self.numeric or [False] * width
        self.percent = self.percent or [False] * width

    def shown(self, column: int, value: Any, language: str) -> str:
        if value is None or value == "":
            return "–"
        if self.percent[column]:
            return percent(value, language)
        if isinstance(value, int | float):
            return number(value, language)
        return str(value)

    def display_rows(self, language: str) -> list[list[tuple[str, bool]]]:
        return [
            [(self.shown(i, v, language), self.numeric[i]) for i, v in enumerate(row)]
            for row in self.rows
        ]


@dataclass
class Chart:
    id: str
    kind: str  # "bar" | "heatmap" | "timeline"
    title: str
    desc: str  # the text alternative
    data: dict[str, Any]
    table: Table  # the same numbers, shown next to the chart
    svg: str = ""  # filled by the HTML and PDF renderers


@dataclass
class Quote:
    text: str
    reference: str
    url: str  # absolute
    language: str
    rtl: bool


@dataclass
class FindingView:
    code: str
    label: str
    description: str
    count: int
    share: float
    summary: str  # "12 responses (13 %)"
    kinds: str  # "Achievements 5 · Challenges 2"
    quotes: list[Quote]


@dataclass
class SectionView:
    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    findings: list[FindingView] = field(default_factory=list)
    subsections: list[SectionView] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # a bullet list (caveats)


@dataclass
class ReportDocument:
    title: str
    subtitle: str
    language: str  # UN code
    django_language: str
    rtl: bool
    sections: list[SectionView]
    generated_at: datetime
    bundle: ReportBundle
    labels: dict[str, str]


def number(value: float, language: str) -> str:
    with translation.override(languages.to_django(language)):
        if isinstance(value, float) and not value.is_integer():
            return formats.number_format(value, 2, use_l10n=True)
        return formats.number_format(int(value), 0, use_l10n=True, force_grouping=True)


def percent(value: float, language: str) -> str:
    with translation.override(languages.to_django(language)):
        return _("%(share)s %%") % {
            "share": formats.number_format(round(100 * (value or 0)), 0, use_l10n=True)
        }


def absolute(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    return (getattr(settings, "CONSULTA_BASE_URL", "") or "").rstrip("/") + url


def stakeholder_label(value: str | None) -> str:
    if not value or value == "unknown":
        return str(_("Not stated"))
    return str(dict(StakeholderType.choices).get(value, value))


def region_label(value: str | None, language: str) -> str:
    if not value or value == "unknown" or value not in regions.REGIONS:
        return str(_("Not stated")) if not value or value == "unknown" else value
    return regions.region_label(value, language)


def language_label(value: str | None) -> str:
    if not value or value in ("unknown", "other"):
        return str(_("Other or not stated"))
    try:
        return str(get_language_info(languages.to_django(value))["name_translated"])
    except KeyError:
        return value


def group_label(key: str, value: str, language: str) -> str:
    if key == "stakeholder_type":
        return stakeholder_label(value)
    if key == "region":
        return region_label(value, language)
    if key == "language":
        return language_label(value)
    return value


def _quotes(bundle: ReportBundle, section_id: str, finding) -> list[Quote]:
    out = []
    for ref in finding.quotes:
        resolved = bundle.quotes.get((section_id, ref.document, tuple(ref.span)))
        if resolved is None:
            continue  # not public: counted, never quoted
        text = " ".join(resolved.text.split())
        if len(text) > 400:
            text = text[:397].rstrip() + "…"
        out.append(
            Quote(
                text=text,
                reference=resolved.reference,
                url=absolute(resolved.url),
                language=languages.to_django(resolved.language) if resolved.language else "",
                rtl=resolved.language in languages.RTL_LANGUAGES,
            )
        )
    return out


def _kinds(finding) -> str:
    parts = [f"{KIND_LABELS[k]} {finding.kinds[k]}" for k in KIND_LABELS if finding.kinds.get(k)]
    return " · ".join(parts)


def _responses(count: int, share: float, language: str) -> str:
    return _("%(count)s responses (%(share)s)") % {
        "count": number(count, language),
        "share": percent(share, language),
    }


def _bar_chart(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, int]],
    total: int,
    language: str,
    first_header: str,
) -> Chart:
    data = [
        {
            "label": label,
            "value": value,
            "text": f"{number(value, language)} ({percent(value / total if total else 0, language)})",
        }
        for label, value in rows
    ]
    desc = _("%(title)s: %(items)s.") % {
        "title": title,
        "items": "; ".join(f"{d['label']} {d['text']}" for d in data) or _("no data"),
    }
    table = Table(
        id=f"{chart_id}-table",
        caption=title,
        headers=[first_header, str(_("Responses")), str(_("Share"))],
        rows=[[label, value, (value / total if total else 0.0)] for label, value in rows],
        numeric=[False, True, True],
        percent=[False, False, True],
    )
    return Chart(id=chart_id, kind="bar", title=title, desc=desc, data={"bars": data}, table=table)


def _participation(bundle: ReportBundle, language: str) -> SectionView:
    section = SectionView(id="participation", title=str(SECTION_TITLES["participation"]))
    call_title = bundle.call.translated("title", language).text
    section.paragraphs.append(
        _(
            "The call “%(call)s” received %(received)s submissions, of which %(published)s are published with their "
            "authors’ consent. This report analyses %(analysed)s responses."
        )
        % {
            "call": call_title,
            "received": number(bundle.received, language),
            "published": number(bundle.published, language),
            "analysed": number(bundle.report.methods.n_documents, language),
        }
    )
    if bundle.timeline:
        events = sorted(bundle.timeline, key=lambda e: e["starts_at"])
        rows, items = [], []
        for event in events:
            starts = formats.date_format(event["starts_at"], "DATE_FORMAT", use_l10n=True)
            ends = (
                formats.date_format(event["ends_at"], "DATE_FORMAT", use_l10n=True)
                if event["ends_at"]
                else ""
            )
            label = event["title"] or str(event["label"])
            rows.append([starts, ends, str(event["label"]), event["title"] or ""])
            items.append(
                {
                    "label": label,
                    "start": event["starts_at"],
                    "end": event["ends_at"],
                    "date": starts,
                }
            )
        title = str(_("Timeline of the call"))
        desc = _("%(title)s: %(items)s.") % {
            "title": title,
            "items": "; ".join(f"{i['date']} {i['label']}" for i in items),
        }
        table = Table(
            id="timeline-table",
            caption=title,
            headers=[str(_("Starts")), str(_("Ends")), str(_("Kind")), str(_("Event"))],
            rows=rows,
        )
        section.charts.append(
            Chart(
                id="timeline",
                kind="timeline",
                title=title,
                desc=desc,
                data={"events": items},
                table=table,
            )
        )
    total = bundle.received
    section.charts.append(
        _bar_chart(
            "by-stakeholder",
            str(_("Submissions by stakeholder type")),
            [
                (stakeholder_label(k), v)
                for k, v in bundle.participation.get("stakeholder_type", [])
            ],
            total,
            language,
            str(_("Stakeholder type")),
        )
    )
    section.charts.append(
        _bar_chart(
            "by-region",
            str(_("Submissions by region")),
            [(region_label(k, language), v) for k, v in bundle.participation.get("region", [])],
            total,
            language,
            str(_("Region")),
        )
    )
    section.charts.append(
        _bar_chart(
            "by-language",
            str(_("Submissions by language")),
            [(language_label(k), v) for k, v in bundle.participation.get("language", [])],
            total,
            language,
            str(_("Language")),
        )
    )
    return section


def _breakdown_table(section_id: str, key: str, findings, language: str) -> Table | None:
    if not findings or key not in findings[0].breakdowns:
        return None
    groups = [g for g in findings[0].breakdowns[key]]
    headers = [str(_("Finding"))] + [
        f"{group_label(key, g.group, language)} (n={g.size})" for g in groups
    ]
    rows = []
    for finding in findings:
        counts = {g.group: g.count for g in finding.breakdowns.get(key, ())}
        rows.append([finding.label] + [counts.get(g.group, 0) for g in groups])
    return Table(
        id=f"{section_id}-{key}",
        caption=str(BREAKDOWN_LABELS.get(key, key)),
        headers=headers,
        rows=rows,
        numeric=[False] + [True] * len(groups),
    )


def _content_section(bundle: ReportBundle, section, language: str) -> SectionView:
    view = SectionView(id=section.id, title=str(SECTION_TITLES.get(section.id, section.title)))
    n = bundle.report.methods.n_documents
    if not section.findings:
        view.paragraphs.append(str(_("No response was coded in this section.")))
    for finding in section.findings:
        view.findings.append(
            FindingView(
                code=finding.code,
                label=finding.label,
                description=finding.description,
                count=finding.count,
                share=finding.share,
                summary=_responses(finding.count, finding.share, language),
                kinds=_kinds(finding),
                quotes=_quotes(bundle, section.id, finding),
            )
        )
    if section.id in CHART_SECTIONS and section.findings:
        top = sorted(section.findings, key=lambda f: (-f.count, f.code))[:15]
        view.charts.append(
            _bar_chart(
                f"{section.id}-chart",
                _("%(section)s: responses per code") % {"section": view.title},
                [(f.label, f.count) for f in top],
                n,
                language,
                str(_("Code")),
            )
        )
    for key in SHOWN_BREAKDOWNS:
        table = _breakdown_table(section.id, key, section.findings, language)
        if table is not None:
            table.caption = f"{view.title} — {table.caption}"
            view.tables.append(table)
    return view


def _heatmap_chart(bundle: ReportBundle, language: str) -> Chart | None:
    heatmap = bundle.heatmap
    if not heatmap or not heatmap.get("rows"):
        return None
    book = adapter.load_codebook("wsis-action-lines")
    rows = [(r, book.code(r).label_in(language) if r in book else r) for r in heatmap["rows"]]
    columns = [(c, stakeholder_label(c)) for c in heatmap["columns"]]
    cells = [
        [int(heatmap["cells"].get(f"{r}|{c}", 0)) for c, _label in columns] for r, _label in rows
    ]
    title = str(_("WSIS Action Lines by stakeholder type"))
    busiest = sorted(
        (
            (cells[i][j], rows[i][1], columns[j][1])
            for i in range(len(rows))
            for j in range(len(columns))
        ),
        key=lambda t: -t[0],
    )[:5]
    desc = _(
        "%(title)s: responses mentioning each Action Line, per stakeholder type. Largest: %(items)s."
    ) % {
        "title": title,
        "items": "; ".join(f"{r} / {c}: {number(v, language)}" for v, r, c in busiest if v)
        or _("none"),
    }
    table = Table(
        id="heatmap-table",
        caption=title,
        headers=[str(_("Action Line"))] + [label for _c, label in columns],
        rows=[[rows[i][1]] + cells[i] for i in range(len(rows))],
        numeric=[False] + [True] * len(columns),
    )
    return Chart(
        id="heatmap",
        kind="heatmap",
        title=title,
        desc=desc,
        data={
            "rows": [label for _r, label in rows],
            "columns": [label for _c, label in columns],
            "cells": cells,
            "max": max((max(r) for r in cells), default=0),
        },
        table=table,
    )


def _methods(bundle: ReportBundle, language: str) -> SectionView:
    methods = bundle.report.methods
    view = SectionView(id="methods", title=str(SECTION_TITLES["methods"]))
    summary = [
        [str(_("Responses analysed")), methods.n_documents],
        [str(_("Capability level")), methods.capability],
        [str(_("Reviewed by an analyst")), percent(bundle.reviewed_share, language)],
        [
            str(_("In no candidate theme")),
            percent(methods.unassigned_share, language)
            if methods.unassigned_share is not None
            else "–",
        ],
        [str(_("Analysis run")), f"#{bundle.run.pk}"],
        [
            str(_("Date of the analysis")),
            formats.date_format(bundle.generated_at, "DATE_FORMAT", use_l10n=True),
        ],
    ]
    view.tables.append(
        Table(
            id="methods-summary",
            caption=str(_("Summary")),
            headers=[str(_("Item")), str(_("Value"))],
            rows=summary,
            numeric=[False, True],
        )
    )
    view.tables.append(
        Table(
            id="methods-languages",
            caption=str(_("Responses by language")),
            headers=[str(_("Language")), str(_("Responses"))],
            rows=[[language_label(k), v] for k, v in methods.languages.items()],
            numeric=[False, True],
        )
    )
    if methods.duplicates:
        view.tables.append(
            Table(
                id="methods-duplicates",
                caption=str(_("Duplicates and campaigns")),
                headers=[
                    str(_("Kind")),
                    str(_("Groups")),
                    str(_("Responses")),
                    str(_("Largest group")),
                ],
                rows=[
                    [str(DUPLICATE_LABELS.get(d.kind, d.kind)), d.groups, d.documents, d.largest]
                    for d in methods.duplicates
                ],
                numeric=[False, True, True, True],
            )
        )
    else:
        view.paragraphs.append(str(_("No duplicates or campaigns were found.")))
    view.tables.append(
        Table(
            id="methods-parameters",
            caption=str(_("Run parameters")),
            headers=[str(_("Parameter")), str(_("Value"))],
            rows=[[k, str(v)] for k, v in methods.parameters.items()],
        )
    )
    view.items = [str(c) for c in methods.caveats]
    return view


LABELS = {
    "contents": gettext_lazy("Contents"),
    "preliminary": gettext_lazy("Preliminary Results"),
    "generated": gettext_lazy(
        "Generated from analysis run %(run)s of %(date)s; reviewed share %(share)s."
    ),
    "quotes": gettext_lazy("Quotes from published contributions"),
    "quote_from": gettext_lazy("Contribution %(reference)s"),
    "data_table": gettext_lazy("Data table"),
    "caveats": gettext_lazy("Caveats"),
    "private_note": gettext_lazy(
        "Counts include every response; quotes come only from contributions published with their authors’ consent."
    ),
    "download": gettext_lazy("Download"),
    "findings": gettext_lazy("Findings"),
}


def document_build(bundle: ReportBundle, language: str | None = None) -> ReportDocument:
    """The report laid out in ``language`` (a UN code; defaults to the bundle's)."""
    language = languages.to_un(language or bundle.report.language)
    django_language = languages.to_django(language)
    with translation.override(django_language):
        sections = [_participation(bundle, language)]
        content = {s.id: s for s in bundle.report.sections}
        for section in bundle.report.sections:
            if section.id == "sdgs" and "action_lines" in content:
                continue  # shown inside "WSIS Action Lines and SDGs"
            view = _content_section(bundle, section, language)
            if section.id == "action_lines":
                heatmap = _heatmap_chart(bundle, language)
                if heatmap is not None:
                    view.charts.insert(0, heatmap)
                view.title = str(SECTION_TITLES["action_lines"])
                if "sdgs" in content:
                    view.subsections.append(_content_section(bundle, content["sdgs"], language))
            sections.append(view)
        sections.append(_methods(bundle, language))
        labels = {k: str(v) for k, v in LABELS.items()}
        labels["generated"] = str(LABELS["generated"]) % {
            "run": f"#{bundle.run.pk}",
            "date": formats.date_format(bundle.generated_at, "DATE_FORMAT", use_l10n=True),
            "share": percent(bundle.reviewed_share, language),
        }
        call_title = bundle.call.translated("title", language).text
        return ReportDocument(
            title=f"{call_title} — {labels['preliminary']}",
            subtitle=labels["generated"],
            language=language,
            django_language=django_language,
            rtl=language in languages.RTL_LANGUAGES,
            sections=sections,
            generated_at=bundle.generated_at,
            bundle=bundle,
            labels=labels,
        )


def all_tables(document: ReportDocument) -> list[tuple[SectionView, Table]]:
    """Every table of the document, charts' tables included, in reading order."""
    out = []

    def walk(section: SectionView):
        for chart in section.charts:
            out.append((section, chart.table))
        for table in section.tables:
            out.append((section, table))
        for sub in section.subsections:
            walk(sub)

    for section in document.sections:
        walk(section)
    return out
