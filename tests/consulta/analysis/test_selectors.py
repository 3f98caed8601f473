"""Workspace queries: counts of responses per code and group, highlighted evidence, run comparison."""

import pytest

from consulta.analysis import selectors, services
from consulta.analysis.models import CodeAssignment


def test_highlighting_merges_overlapping_spans_and_ignores_out_of_range_ones():
    text = "abcdefghij"
    assert selectors.highlighted(text, [[2, 4], [3, 6], [8, 50], [5, 5]]) == [
        ("ab", False), ("cdef", True), ("gh", False), ("ij", True)
    ]
    assert selectors.highlighted(text, []) == [(text, False)]
    assert selectors.highlighted("", [[0, 3]]) == []


@pytest.mark.django_db
def test_code_table_counts_distinct_responses_leaves_out_removed_codes_and_breaks_down(finished_run, analyst):
    table = selectors.code_table(finished_run, "trends")
    assert table and all(0 < row.share <= 1 for row in table)
    for row in table:
        expected = (
            CodeAssignment.objects.filter(run=finished_run, codebook="trends", code=row.code, removed=False)
            .values("version").distinct().count()
        )
        assert row.responses == expected
        for name, _lookup in selectors.DIMENSIONS:
            assert sum(n for _group, n in row.breakdowns[name]) == row.responses
    top = table[0]
    for assignment in CodeAssignment.objects.filter(run=finished_run, codebook="trends", code=top.code):
        services.code_remove(actor=analyst, assignment=assignment)
    assert top.code not in {row.code for row in selectors.code_table(finished_run, "trends")}
    languages = dict(selectors.group_totals(finished_run)["language"])
    assert languages == {"en": 7, "es": 2, "fr": 2, "ru": 1}


@pytest.mark.django_db
def test_passages_resolve_spans_into_the_answer_text(finished_run):
    row = finished_run.assignments.filter(codebook="trends", removed=False).first()
    passages = selectors.code_passages(finished_run, "trends", row.code)
    assert passages
    marked = [text for p in passages for text, is_marked in p.pieces if is_marked]
    assert marked and all(text.strip() for text in marked)
    joined = "".join(text for text, _marked in passages[0].pieces)
    answer = passages[0].assignment.version.answers[passages[0].assignment.question_key]
    assert joined == answer


@pytest.mark.django_db
def test_theme_quotes_are_resolved_from_the_answers(finished_run):
    views = selectors.theme_views(finished_run)
    assert views and any(v.quotes for v in views)
    quote = next(q for v in views for q in v.quotes)
    assert quote["text"].strip()
