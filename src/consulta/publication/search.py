"""Full-text search over public contributions: SQLite FTS5 on the embedded default, PostgreSQL's
full-text search with a GIN index in production. Chinese (and any unsegmented text) is split into words
before indexing and before querying, so that words are found inside sentences without spaces.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
FTS_TABLE = "publication_contribution_fts"


def _segment_cjk(text: str) -> str:
    from synthesis.text import tokens

    return " ".join(token.norm for token in tokens(text, "zh"))


def _without_accents(text: str) -> str:
    """So that "connectivite" finds "connectivité" on every database (PostgreSQL has no unaccent here)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def search_document(parts: Iterable[str]) -> str:
    """The text to index: NFKC, case-folded, accents removed, Chinese segmented into words."""
    out = []
    for part in parts:
        if not part:
            continue
        text = unicodedata.normalize("NFKC", str(part))
        out.append(_without_accents(_segment_cjk(text) if CJK.search(text) else text.casefold()))
    return "\n".join(out)


def query_terms(query: str) -> list[str]:
    text = search_document([query])
    return [term for term in re.findall(r"\w+", text) if term][:20]


def _fts5_match(terms: list[str]) -> str:
    quoted = ['"' + term.replace('"', "") + '"' for term in terms]
    quoted[-1] += "*"  # the last word may be typed partly
    return " ".join(quoted)


def _tsquery(terms: list[str]) -> str:
    return " & ".join(f"{term}:*" if i == len(terms) - 1 else term for i, term in enumerate(terms))


# How many matches a search looks at closely: relevance ranks the newest CANDIDATES matches, and date
# order lists them from their ids when there are no more than that. It stays above the 1,000 results
# relevance may page through, so those pages always fill. Ranking every match of a common word costs
# seconds at a million contributions.
CANDIDATES = 1200

# Finding a word's newest matches by walking the list's date index tests about CANDIDATES / share rows:
# cheap for a word in one contribution in ten, 0.4-0.7 s at a million contributions for one in one or
# two in a hundred. Below WINDOW_SHARE (the planner's estimate) PostgreSQL instead intersects the word's
# GIN bitmap with the newest rows, a window sized to hold WINDOW_MARGIN times the matches needed, and
# widens it when it held too few (bench/RESULTS.md, "Publication").
WINDOW_SHARE = 0.05
WINDOW_MARGIN = 4
WINDOW_GROWTH = 4


# PostgreSQL's newest matches, in the list's own order. Without a window a filter's index (call, state,
# column, -received_at, -id) walks only the filtered rows, testing each one's stored vector.
_PG_NEWEST = (
    "SELECT c.id, c.received_at FROM publication_contribution c "
    "WHERE c.search_vector @@ to_tsquery('simple', %s) AND {where}{window} "
    "ORDER BY c.received_at DESC, c.id DESC LIMIT %s"
)


def newest_by_id() -> bool:
    """Whether newest_match_ids numbers matches by id (SQLite) rather than by receipt (PostgreSQL)."""
    return connection.vendor == "sqlite"


def _pg_estimate(cursor, sql: str, params: list) -> float:
    cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
    plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def _pg_window_starts(cursor, query: str, where: str, params: list, limit: int) -> Iterator[datetime | None]:
    """Receipt times from which to look for the newest matches, each window wider than the last; None
    means every match. Nothing when the plain walk is the cheaper way (a common word, or few matches)."""
    select = "SELECT 1 FROM publication_contribution c WHERE "  # noqa: S608 - fixed columns
    matches = _pg_estimate(cursor, select + f"c.search_vector @@ to_tsquery('simple', %s) AND {where}", [query, *params])
    if matches <= limit:
        return  # few matches: the planner reads them all from the GIN index
    rows = _pg_estimate(cursor, select + where, params)
    if rows <= 0 or matches / rows >= WINDOW_SHARE:
        return
    # The window is counted on the call's list index alone (call, state): index-only, and any window is
    # exact as long as it holds `limit` matches, so the other filters only make it a little wide.
    span = WINDOW_MARGIN * limit * rows / matches
    while True:
        cursor.execute(
            "SELECT received_at FROM publication_contribution c WHERE c.call_id = %s AND c.state = %s "
            "ORDER BY c.received_at DESC, c.id DESC OFFSET %s LIMIT 1",
            [params[0], params[1], int(span)],
        )
        found = cursor.fetchone()
        yield found[0] if found else None
        if found is None:
            return
        span *= WINDOW_GROWTH


def _pg_newest(cursor, sql: str, query: str, where: str, params: list, limit: int, before: list) -> list[tuple]:
    """Rows of ``sql`` (a query around _PG_NEWEST, with ``before`` its parameters ahead of the tsquery):
    from the smallest window of newest rows that holds ``limit`` matches, or from the plain walk."""
    for since in _pg_window_starts(cursor, query, where, params, limit):
        windowed = sql.format(where=where, window=" AND c.received_at >= %s" if since else "")
        with transaction.atomic():
            # The bitmap intersection, not the date index: that index is what walks every row. Put back
            # afterwards, since inside a caller's transaction a savepoint's SET LOCAL would outlive it
            # (if the query fails, rolling the savepoint back undoes the setting).
            cursor.execute("SELECT current_setting('enable_indexscan'), set_config('enable_indexscan', 'off', true)")
            previous = cursor.fetchone()[0]
            cursor.execute(windowed, [*before, query, *params, *([since] if since else []), limit])
            found = cursor.fetchall()
            cursor.execute("SELECT set_config('enable_indexscan', %s, true)", [previous])
        if len(found) >= limit or since is None:
            return found
    cursor.execute(sql.format(where=where, window=""), [*before, query, *params, limit])
    return cursor.fetchall()


def newest_match_ids(terms: list[str], where: str, params: list, limit: int) -> list[int]:
    """Ids of the ``limit`` newest matches, newest first; on SQLite counted on the full-text index
    alone (``where`` unused), which is what makes a common word cheap to probe. On PostgreSQL ``params``
    starts with the call's id and the published state, as ``where`` does."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            sql = f"SELECT id FROM ({_PG_NEWEST}) m"  # noqa: S608 - fixed columns, values as parameters
            rows = _pg_newest(cursor, sql, _tsquery(terms), where, params, limit, [])
            return [int(pk) for (pk,) in rows]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s ORDER BY rowid DESC LIMIT %s",  # noqa: S608
            [_fts5_match(terms), limit],
        )
        return [int(pk) for (pk,) in cursor.fetchall()]


def match_condition(terms: list[str]) -> RawSQL:
    """A condition on a contribution row that holds when it matches (for ``QuerySet.filter``)."""
    if connection.vendor == "postgresql":
        return RawSQL(  # noqa: S611 - fixed SQL, the terms are a parameter
            '"publication_contribution"."search_vector" @@ to_tsquery(\'simple\', %s)',
            [_tsquery(terms)],
            output_field=BooleanField(),
        )
    return RawSQL(  # noqa: S611 - fixed SQL, the terms are a parameter
        f'"publication_contribution"."id" IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)',  # noqa: S608
        [_fts5_match(terms)],
        output_field=BooleanField(),
    )


def newest_matches(terms: list[str], where: str, params: list, limit: int) -> list[tuple[int, float]]:
    """The ``limit`` newest matches passing ``where`` (on alias ``c``), newest first, with a relevance
    score where higher is better: one pass over an index, whatever the number of matches. (Newest by
    receipt on PostgreSQL, by publication on SQLite, whose FTS5 index walks in rowid order.)"""
    if connection.vendor == "postgresql":
        sql = (
            "SELECT m.id, ts_rank(c.search_vector, to_tsquery('simple', %s), 2) "  # noqa: S608
            f"FROM ({_PG_NEWEST}) m "
            "JOIN publication_contribution c ON c.id = m.id ORDER BY m.received_at DESC, m.id DESC"
        )
        query = _tsquery(terms)
        with connection.cursor() as cursor:
            rows = _pg_newest(cursor, sql, query, where, params, limit, [query])
        return [(int(pk), float(score)) for pk, score in rows]
    # FTS5 walks its doclist in rowid order, so the LIMIT stops it early; bm25 is lower-is-better.
    sql = (
        f"SELECT f.rowid, -bm25({FTS_TABLE}) FROM {FTS_TABLE} f "  # noqa: S608
        f"JOIN publication_contribution c ON c.id = f.rowid "
        f"WHERE {FTS_TABLE} MATCH %s AND {where} ORDER BY f.rowid DESC LIMIT %s"
    )
    arguments = [_fts5_match(terms), *params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, arguments)
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]


def index_update(contribution_ids: Iterable[int]) -> None:
    """Keep the SQLite FTS5 index in step (PostgreSQL computes and indexes its stored column itself)."""
    if connection.vendor != "sqlite":
        return
    ids = list(contribution_ids)
    if not ids:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("%s" for _ in chunk)
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", chunk)  # noqa: S608
            cursor.execute(
                f"INSERT INTO {FTS_TABLE}(rowid, body) SELECT id, search_document FROM publication_contribution "  # noqa: S608
                f"WHERE id IN ({marks}) AND state = 'published'",
                chunk,
            )
