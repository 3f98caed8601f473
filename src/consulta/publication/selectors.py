"""Reads of what is public: the list with filters and search (keyset pagination), one contribution."""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
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
    # Relevance ranked only the newest search.CANDIDATES matches: the page says so.
    capped: bool = False


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


def _filtered(call: Call, filters: dict[str, str]) -> tuple[QuerySet[Contribution], str, list]:
    """The public contributions the filters keep, as a queryset and as SQL on alias ``c`` for search."""
    queryset = public_contributions(call)
    where = ["c.call_id = %s", "c.state = %s", "c.published_version_id IS NOT NULL"]
    params: list = [call.pk, Contribution.State.PUBLISHED.value]
    for key in ("stakeholder_type", "region", "language", "country"):
        if key in filters:
            value = filters[key].upper() if key == "country" else filters[key]
            queryset = queryset.filter(**{key: value})
            where.append(f"c.{key} = %s")
            params.append(value)
    if "code" in filters:
        queryset = queryset.filter(codes__code=filters["code"])
        where.append(
            "EXISTS (SELECT 1 FROM publication_contributioncode cc WHERE cc.contribution_id = c.id AND cc.code = %s)"
        )
        params.append(filters["code"])
    return queryset, " AND ".join(where), params


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
    queryset, where, params = _filtered(call, filters)
    query = (query or "").strip()[:200]
    position = _decode_cursor(cursor) if cursor else None
    if position is not None:
        stamp, pk = position
        queryset = queryset.filter(Q(received_at__lt=stamp) | Q(received_at=stamp, pk__lt=pk))
    if query:
        terms = search.query_terms(query)
        if not terms:
            queryset = queryset.none()
        elif sort == "relevance":
            matches = search.newest_matches(terms, where, params, search.CANDIDATES + 1)
            capped = len(matches) > search.CANDIDATES
            return _relevance_page(
                matches[: search.CANDIDATES], cursor, page_size, filters=filters, query=query, capped=capped
            )
        else:
            # Date order: a search with few matches lists them by id; a common word walks the date index.
            candidates = search.newest_match_ids(terms, where, params, search.CANDIDATES + 1)
            if len(candidates) <= search.CANDIDATES:
                queryset = queryset.filter(pk__in=candidates)
            else:
                items = _page_from_newest(queryset, candidates, page_size) if search.newest_by_id() else None
                if items is not None:
                    return _date_page(items, page_size, filters=filters, query=query)
                queryset = queryset.filter(search.match_condition(terms))
    items = list(queryset.order_by("-received_at", "-pk")[: page_size + 1])
    return _date_page(items, page_size, filters=filters, query=query)


def _date_page(items: list[Contribution], page_size: int, *, filters, query: str) -> ContributionPage:
    more = len(items) > page_size
    items = items[:page_size]
    return ContributionPage(
        items=items,
        next_cursor=_encode_cursor(items[-1]) if more and items else None,
        total=None,
        filters=filters,
        query=query,
        sort="date",
    )


NEWER_CHECKED = 5000  # contributions received after a page's last item that _page_from_newest may read


def _page_from_newest(queryset: QuerySet[Contribution], candidates: list[int], page_size: int):
    """A date-ordered page of a common word from its newest-numbered matches alone, when that is
    provably the true page: no contribution numbered below them (match or not) was received after the
    page's last item. Ids mostly follow receipt, so this holds for the first pages; otherwise None, and
    the caller walks every match (which costs 0.1 s at a million contributions on SQLite)."""
    items = list(queryset.filter(pk__in=candidates).order_by("-received_at", "-pk")[: page_size + 1])
    if len(items) <= page_size:
        return None
    last = items[page_size - 1]
    if last.received_at is None:
        return None
    # Read in the list's index order: asked as one EXISTS over "id below", SQLite walks the ids instead
    # (seconds at a million rows).
    newer = list(
        queryset.filter(received_at__gt=last.received_at)
        .order_by("-received_at", "-pk")
        .values_list("pk", flat=True)[: NEWER_CHECKED + 1]
    )
    lowest = min(candidates)
    if len(newer) > NEWER_CHECKED or any(pk < lowest for pk in newer):
        return None
    return items


def _relevance_page(
    matches: list[tuple[int, float]], cursor: str | None, page_size: int, *, filters, query: str, capped: bool
) -> ContributionPage:
    """Best first among the newest matches; ties go to the newer one, so pages never shift."""
    ranked = sorted(matches, key=lambda row: (-row[1], -row[0]))
    start = min(int(cursor), MAX_RELEVANCE_RESULTS) if cursor and cursor.isascii() and cursor.isdigit() else 0
    wanted = [pk for pk, _score in ranked[start : start + page_size]]
    rows = Contribution.objects.in_bulk(wanted)
    more = len(ranked) > start + page_size and start + page_size < MAX_RELEVANCE_RESULTS
    return ContributionPage(
        items=[rows[pk] for pk in wanted if pk in rows],
        next_cursor=str(start + page_size) if more else None,
        total=None,
        filters=filters,
        query=query,
        sort="relevance",
        capped=capped,
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


FACET_KEYS = ("stakeholder_type", "region", "country", "language")
# The menus are recounted by a background task after each committed change, while page views keep
# showing the previous counts: at a million contributions a recount takes 0.2-0.5 s, which no reader
# should wait for. If no task has come FACET_STALE_SECONDS after a change (no worker running), the next
# page view recounts them itself.
FACET_CACHE_SECONDS = 3600  # a safety net only
FACET_STALE_SECONDS = 60


def _facet_key(call_id: int) -> str:
    return f"publication:facets:{call_id}"


def _facet_change_key(call_id: int) -> str:
    """Set, to the time of the change, while a committed change waits for its recount."""
    return f"publication:facets-changed:{call_id}"


def facet_counts(call: Call) -> dict[str, list[tuple[str, int]]]:
    """Counts per filter value among public contributions, for the filter menus (cached: every list
    page shows them). After a change they may lag, by the time the recount task takes to come."""
    found = cache.get_many([_facet_key(call.pk), _facet_change_key(call.pk)])
    counts = found.get(_facet_key(call.pk))
    changed = found.get(_facet_change_key(call.pk))
    if counts is not None and (changed is None or time.time() - changed < FACET_STALE_SECONDS):
        return counts
    return facet_counts_recount(call_id=call.pk)


def facet_counts_recount(*, call_id: int) -> dict[str, list[tuple[str, int]]]:
    # Forget the change first: one committed while counting sets it again, and is recounted later.
    cache.delete(_facet_change_key(call_id))
    counts = _count_facets(Call(pk=call_id))
    cache.set(_facet_key(call_id), counts, FACET_CACHE_SECONDS)
    return counts


def facet_counts_changed(call_id: int) -> bool:
    """Note a committed change; True for the first one since the last recount began (the caller then
    queues the recount, so a batch of changes queues one)."""
    return cache.add(_facet_change_key(call_id), time.time(), FACET_CACHE_SECONDS)


def forget_facet_counts(call_id: int) -> None:
    """Drop the counts: the next page view counts them (benchmarks measure that miss)."""
    cache.delete_many([_facet_key(call_id), _facet_change_key(call_id)])


def _count_facets(call: Call) -> dict[str, list[tuple[str, int]]]:
    """All four menus from one GROUP BY that the contribution_facets index covers."""
    totals: dict[str, dict[str, int]] = {key: {} for key in FACET_KEYS}
    rows = public_contributions(call).values_list(*FACET_KEYS).annotate(n=Count("*")).order_by()
    for *values, n in rows:
        for key, value in zip(FACET_KEYS, values, strict=True):
            totals[key][value] = totals[key].get(value, 0) + n
    return {key: sorted(totals[key].items()) for key in FACET_KEYS}
