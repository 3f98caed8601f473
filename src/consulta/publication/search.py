"""Full-text search over public contributions: SQLite FTS5 on the embedded default, PostgreSQL's
full-text search with a GIN index in production. Chinese (and any unsegmented text) is split into words
before indexing and before querying, so that words are found inside sentences without spaces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.db import connection
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
# seconds at a million contributions. Finding the newest CANDIDATES costs about CANDIDATES / (share of
# contributions matching) rows tested on PostgreSQL: 0.1 s at a million for a word in one contribution of
# ten, but 0.4-0.7 s for one in one or two of a hundred (bench/RESULTS.md, "Publication", says what next).
CANDIDATES = 1200


# PostgreSQL's newest matches, in the list's own order: a filter's index (call, state, column,
# -received_at, -id) then walks only the filtered rows, testing each one's stored vector.
_PG_NEWEST = (
    "SELECT c.id, c.received_at FROM publication_contribution c "
    "WHERE c.search_vector @@ to_tsquery('simple', %s) AND {where} "
    "ORDER BY c.received_at DESC, c.id DESC LIMIT %s"
)


def newest_by_id() -> bool:
    """Whether newest_match_ids numbers matches by id (SQLite) rather than by receipt (PostgreSQL)."""
    return connection.vendor == "sqlite"


def newest_match_ids(terms: list[str], where: str, params: list, limit: int) -> list[int]:
    """Ids of the ``limit`` newest matches, newest first; on SQLite counted on the full-text index
    alone (``where`` unused), which is what makes a common word cheap to probe."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            sql = f"SELECT id FROM ({_PG_NEWEST.format(where=where)}) m"  # noqa: S608 - fixed columns, values as parameters
            cursor.execute(sql, [_tsquery(terms), *params, limit])
            return [int(pk) for (pk,) in cursor.fetchall()]
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
            f"FROM ({_PG_NEWEST.format(where=where)}) m "
            "JOIN publication_contribution c ON c.id = m.id ORDER BY m.received_at DESC, m.id DESC"
        )
        query = _tsquery(terms)
        arguments = [query, query, *params, limit]
    else:
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
