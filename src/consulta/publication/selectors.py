"""Reads of what is public: the list with filters and search (keyset pagination), one contribution."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from consulta.calls.models import Call
from consulta.publication import search
from consulta.publication.models import Contribution

PAGE_SIZE = 20
MAX_RELEVANCE_RESULTS = 1000
FILTERS = ("stakeholder_type", "region", "country", "language", "code")


@dataclass
class ContributionPage:
    items: list[Contribution]
    next_cursor: str | None
    total: int | None
    filters: dict[str, str] = field(default_factory=dict)
    query: str = ""
    sort: str = "date"


def public_contributions(call: Call) -> QuerySet[Contribution]:
    return Contribution.objects.filter(call=call, state=Contribution.State.PUBLISHED, published_version__isnull=False)


def _encode_cursor(item: Contribution) -> str:
    raw = f"{item.received_at.isoformat()}|{item.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """The position a cursor names, or None for anything we did not write ourselves."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|")
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None or not 1900 <= moment.year <= 2999:
            return None
        moment.astimezone(UTC)  # refuses offsets that overflow
        return moment, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
        return None


def cursor_is_valid(cursor: str) -> bool:
    return _decode_cursor(cursor) is not None


def contribution_page(
    *,
    call: Call,
    filters: dict[str, str] | None = None,
    query: str = "",
    sort: str = "date",
    cursor: str | None = None,
    page_size: int = PAGE_SIZE,
) -> ContributionPage:
    filters = {k: v for k, v in (filters or {}).items() if k in FILTERS and v}
    queryset = public_contributions(call)
    for key in ("stakeholder_type", "region", "language"):
        if key in filters:
            queryset = queryset.filter(**{key: filters[key]})
    if "country" in filters:
        queryset = queryset.filter(country=filters["country"].upper())
    if "code" in filters:
        queryset = queryset.filter(codes__code=filters["code"])
    query = (query or "").strip()[:200]
    if query:
        matching = search.match_filter(query)
        if matching is None:
            queryset = queryset.none()
        else:
            queryset = queryset.filter(pk__in=RawSQL(*matching))  # noqa: S611 - fixed SQL, query as a parameter
            if sort == "relevance":
                expression, params, higher_is_better = search.rank_expression(query)
                ordered = queryset.annotate(rank=RawSQL(expression, params)).order_by(  # noqa: S611 - parameters
                    "-rank" if higher_is_better else "rank", "-pk"
                )
                start = min(int(cursor), MAX_RELEVANCE_RESULTS) if cursor and cursor.isascii() and cursor.isdigit() else 0
                items = list(ordered[start : start + page_size + 1])
                more = len(items) > page_size and start + page_size < MAX_RELEVANCE_RESULTS
                return ContributionPage(
                    items=items[:page_size],
                    next_cursor=str(start + page_size) if more else None,
                    total=None,
                    filters=filters,
                    query=query,
                    sort="relevance",
                )
    sort = "date"
    position = _decode_cursor(cursor) if cursor else None
    if position is not None:
        stamp, pk = position
        queryset = queryset.filter(Q(received_at__lt=stamp) | Q(received_at=stamp, pk__lt=pk))
    items = list(queryset.order_by("-received_at", "-pk")[: page_size + 1])
    more = len(items) > page_size
    items = items[:page_size]
    return ContributionPage(
        items=items,
        next_cursor=_encode_cursor(items[-1]) if more and items else None,
        total=None,
        filters=filters,
        query=query,
        sort=sort,
    )


def public_contribution(*, reference: str) -> Contribution:
    """A published contribution, or 404 — the same 404 for private, withdrawn and non-existent ones."""
    contribution = (
        Contribution.objects.select_related("call", "published_version")
        .filter(reference=reference, state=Contribution.State.PUBLISHED, published_version__isnull=False)
        .first()
    )
    if contribution is None:
        raise Http404("No such contribution")
    return contribution


def facet_counts(call: Call) -> dict[str, list[tuple[str, int]]]:
    """Counts per filter value among public contributions, for the filter menus."""
    base = public_contributions(call)
    return {
        key: list(base.values_list(key).annotate(n=Count("id")).order_by(key))
        for key in ("stakeholder_type", "region", "country", "language")
    }
