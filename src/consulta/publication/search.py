"""Full-text search over public contributions: SQLite FTS5 on the embedded default, PostgreSQL's
full-text search with a GIN index in production. Chinese (and any unsegmented text) is split into words
before indexing and before querying, so that words are found inside sentences without spaces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.db import connection

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


def match_filter(query: str) -> tuple[str, list] | None:
    """SQL selecting the ids of matching contributions (for ``pk__in=RawSQL(...)``), or None."""
    terms = query_terms(query)
    if not terms:
        return None
    if connection.vendor == "postgresql":
        return (
            "SELECT id FROM publication_contribution "
            "WHERE to_tsvector('simple', search_document) @@ to_tsquery('simple', %s)",
            [_tsquery(terms)],
        )
    return f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [_fts5_match(terms)]  # noqa: S608


def rank_expression(query: str) -> tuple[str, list, bool]:
    """SQL scoring one row's relevance (``publication_contribution.id`` in scope), and whether higher is better."""
    terms = query_terms(query)
    if connection.vendor == "postgresql":
        return (
            # Normalisation 2 divides by the document's length, like FTS5's bm25 does.
            "ts_rank(to_tsvector('simple', search_document), to_tsquery('simple', %s), 2)",
            [_tsquery(terms)],
            True,
        )
    return (
        f"(SELECT bm25({FTS_TABLE}) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "  # noqa: S608
        f"AND rowid = publication_contribution.id)",
        [_fts5_match(terms)],
        False,
    )


def index_update(contribution_ids: Iterable[int]) -> None:
    """Keep the SQLite FTS5 index in step (PostgreSQL indexes the column itself)."""
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
