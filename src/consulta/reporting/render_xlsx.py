"""The report's numbers as a workbook: one sheet per table, raw counts as numbers.

Sheet names and column names are stable identifiers (for formulas and scripts); labels are in the
report's language. Shares are fractions (0–1) formatted as percentages. Only published quotes appear.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from consulta.reporting.document import (
    ReportDocument,
    absolute,
    group_label,
    language_label,
    region_label,
    stakeholder_label,
)

BOLD = Font(bold=True)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    """A text cell that a spreadsheet cannot read as a formula (as the open-data export does)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


KINDS = ("achievement", "challenge", "recommendation")


def _sheet(book: Workbook, name: str, header: list[str], rows, *, share_columns=()):
    sheet = book.create_sheet(title=name[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = BOLD
    for row in rows:
        sheet.append([_safe(v) for v in row])
    for column in share_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = "0.0%"
    sheet.freeze_panes = "A2"
    for i, title in enumerate(header, start=1):
        width = max(
            [len(str(title))]
            + [len(str(c.value or "")) for (c,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i)]
        )
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = min(
            max(width + 2, 8), 60
        )
    return sheet


def render_xlsx(document: ReportDocument) -> bytes:
    bundle = document.bundle
    report = bundle.report
    language = document.language
    book = Workbook()
    book.remove(book.active)
    labels = {
        "stakeholder_type": stakeholder_label,
        "region": lambda v: region_label(v, language),
        "language": language_label,
    }

    from django.utils import translation

    with translation.override(document.django_language):
        _sheet(
            book,
            "participation",
            ["dimension", "group", "label", "count", "share"],
            [
                (
                    key,
                    value or "unknown",
                    labels[key](value),
                    count,
                    count / bundle.received if bundle.received else 0.0,
                )
                for key in ("stakeholder_type", "region", "language")
                for value, count in bundle.participation.get(key, [])
            ],
            share_columns=(5,),
        )
        _sheet(
            book,
            "timeline",
            ["kind", "label", "title", "starts_at", "ends_at"],
            [
                (
                    e["kind"],
                    str(e["label"]),
                    e["title"],
                    e["starts_at"].replace(tzinfo=None),
                    e["ends_at"].replace(tzinfo=None) if e["ends_at"] else None,
                )
                for e in sorted(bundle.timeline, key=lambda e: e["starts_at"])
            ],
        )
        breakdowns, quotes = [], []
        for section in report.sections:
            _sheet(
                book,
                section.id,
                ["code", "label", "count", "share", *KINDS],
                [
                    (f.code, f.label, f.count, f.share, *(f.kinds.get(k, 0) for k in KINDS))
                    for f in section.findings
                ],
                share_columns=(4,),
            )
            for finding in section.findings:
                for key, groups in finding.breakdowns.items():
                    breakdowns.extend(
                        (
                            section.id,
                            finding.code,
                            key,
                            g.group,
                            group_label(key, g.group, language),
                            g.size,
                            g.count,
                            g.share,
                        )
                        for g in groups
                    )
                for ref in finding.quotes:
                    resolved = bundle.quotes.get((section.id, ref.document, tuple(ref.span)))
                    if resolved is None:
                        continue  # not public: never quoted
                    quotes.append(
                        (
                            section.id,
                            finding.code,
                            resolved.reference,
                            absolute(resolved.url),
                            resolved.text,
                        )
                    )
        _sheet(
            book,
            "breakdowns",
            ["section", "code", "key", "group", "group_label", "size", "count", "share"],
            breakdowns,
            share_columns=(8,),
        )
        heatmap = bundle.heatmap
        if heatmap:
            _sheet(
                book,
                "heatmap",
                ["action_line", *heatmap["columns"]],
                [
                    (
                        row,
                        *(
                            heatmap["cells"].get(f"{row}|{column}", 0)
                            for column in heatmap["columns"]
                        ),
                    )
                    for row in heatmap["rows"]
                ],
            )
        methods = report.methods
        _sheet(
            book,
            "methods",
            ["key", "value"],
            [
                ("n_documents", methods.n_documents),
                ("received", bundle.received),
                ("published", bundle.published),
                ("capability", methods.capability),
                ("reviewed_share", bundle.reviewed_share),
                ("unassigned_share", methods.unassigned_share),
                ("run", bundle.run.pk),
                ("generated_at", bundle.generated_at.replace(tzinfo=None)),
                *(
                    (f"parameter.{k}", v if isinstance(v, int | float | str) else str(v))
                    for k, v in methods.parameters.items()
                ),
                *((f"language.{k}", v) for k, v in methods.languages.items()),
                *((f"duplicates.{d.kind}.groups", d.groups) for d in methods.duplicates),
                *((f"duplicates.{d.kind}.documents", d.documents) for d in methods.duplicates),
                *((f"caveat.{i}", c) for i, c in enumerate(methods.caveats, start=1)),
            ],
        )
        _sheet(book, "quotes", ["section", "code", "reference", "url", "text"], quotes)
        if bundle.themes:
            _sheet(
                book,
                "themes",
                ["label", "keywords", "size", "state"],
                [
                    (
                        t["label"],
                        ", ".join(t["keywords"])
                        if isinstance(t["keywords"], list)
                        else str(t["keywords"]),
                        t["size"],
                        t["state"],
                    )
                    for t in bundle.themes
                ],
            )
    props = book.properties
    props.title = document.title
    props.creator = "Consulta"
    props.created = props.modified = bundle.generated_at.replace(tzinfo=None, microsecond=0)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
