"""The public list: filters, search in six languages, keyset pagination, nothing private."""

import pytest

from consulta.publication.models import Contribution
from consulta.publication.selectors import contribution_page, public_contribution

pytestmark = pytest.mark.django_db


def walk(call, page_size=7, **kwargs):
    seen, cursor = [], None
    while True:
        page = contribution_page(call=call, cursor=cursor, page_size=page_size, **kwargs)
        seen.extend(page.items)
        cursor = page.next_cursor
        if not cursor:
            return seen


def test_it_walks_every_published_contribution_exactly_once_newest_first(wsis20_published):
    items = walk(wsis20_published)
    assert len(items) == 82 and len({i.pk for i in items}) == 82
    stamps = [(i.received_at, i.pk) for i in items]
    assert stamps == sorted(stamps, reverse=True)
    assert all(i.consent != "private" for i in items)


def test_it_filters_by_region_language_country_and_type(wsis20_published):
    for key in ("region", "language", "stakeholder_type", "country"):
        value = getattr(Contribution.objects.filter(state="published").first(), key)
        items = walk(wsis20_published, filters={key: value})
        expected = Contribution.objects.filter(state="published", **{key: value}).count()
        assert len(items) == expected and all(getattr(i, key) == value for i in items)


def test_it_finds_words_in_every_language_including_chinese_without_spaces(wsis20_published):
    for query, language in (
        ("人工智能", "zh"),
        ("искусственный интеллект", "ru"),
        ("الذكاء الاصطناعي", "ar"),
    ):
        items = walk(wsis20_published, query=query)
        assert items and any(i.language == language for i in items), query
    french = walk(wsis20_published, query="connectivite")  # accents are optional
    assert any(i.language == "fr" for i in french)


def test_it_sorts_search_results_by_relevance(wsis20_published):
    by_relevance = contribution_page(
        call=wsis20_published, query="blockchain", sort="relevance", page_size=50
    )
    by_date = contribution_page(call=wsis20_published, query="blockchain", page_size=50)
    assert by_relevance.sort == "relevance" and by_relevance.items
    assert {i.pk for i in by_relevance.items} == {i.pk for i in by_date.items}
    assert all("blockchain" in i.search_document for i in by_relevance.items)

    # The densest mention ranks first: the top result mentions it more per word than the last.
    def density(item):
        words = item.search_document.split()
        return sum("blockchain" in w for w in words) / len(words)

    assert density(by_relevance.items[0]) >= density(by_relevance.items[-1])


def test_it_finds_nothing_in_private_or_withdrawn_contributions(wsis20_published):
    from consulta.submissions.models import Submission

    private = Submission.objects.filter(call=wsis20_published, consent="private").first()
    phrase = " ".join(
        next(v for v in private.current_version.answers.values() if isinstance(v, str)).split()[:6]
    )
    assert all(i.submission_id != private.pk for i in walk(wsis20_published, query=phrase))
    with pytest.raises(Exception) as missing:
        public_contribution(reference=private.reference)
    assert missing.type.__name__ == "Http404"


def test_it_treats_a_garbled_cursor_as_the_first_page(wsis20_published):
    page = contribution_page(call=wsis20_published, cursor="%%%not-a-cursor")
    assert len(page.items) == 20


def test_it_filters_by_codes_from_analysis(wsis20_published):
    from consulta.publication.services import contribution_codes_replace

    chosen = list(Contribution.objects.filter(state="published")[:3])
    for contribution in chosen:
        contribution_codes_replace(contribution=contribution, codes=["sdgs:SDG4", "trends:ai"])
    items = walk(wsis20_published, filters={"code": "sdgs:SDG4"})
    assert {i.pk for i in items} == {c.pk for c in chosen}


def test_it_lists_a_common_word_by_date_the_same_whether_or_not_it_passes_the_candidate_cap(
    wsis20_published, monkeypatch
):
    from consulta.publication import search

    everything = walk(wsis20_published, query="digital")
    assert len(everything) > 5
    monkeypatch.setattr(search, "CANDIDATES", 3)  # now the search walks the date index instead
    assert [i.pk for i in walk(wsis20_published, query="digital")] == [i.pk for i in everything]
    monkeypatch.setattr(search, "CANDIDATES", 6)  # and pages of 2 come from the newest matches
    assert [i.pk for i in walk(wsis20_published, query="digital", page_size=2)] == [i.pk for i in everything]


def test_it_ranks_the_newest_matches_and_says_when_it_left_older_ones_out(wsis20_published, monkeypatch):
    from consulta.publication import search

    full = contribution_page(call=wsis20_published, query="digital", sort="relevance", page_size=200)
    assert not full.capped and len(full.items) > 5
    from consulta.publication.search import newest_by_id

    # Newest by number on SQLite (its index walks ids), by receipt on PostgreSQL.
    order = (lambda i: i.pk) if newest_by_id() else (lambda i: (i.received_at, i.pk))
    newest = [i.pk for i in sorted(full.items, key=order, reverse=True)[:3]]
    monkeypatch.setattr(search, "CANDIDATES", 3)
    capped = contribution_page(call=wsis20_published, query="digital", sort="relevance", page_size=200)
    assert capped.capped and {i.pk for i in capped.items} == set(newest)
    # Their order is the same as in the full ranking.
    assert [i.pk for i in capped.items] == [i.pk for i in full.items if i.pk in newest]


def test_it_combines_a_search_with_filters_and_codes(wsis20_published):
    from consulta.publication.services import contribution_codes_replace

    matches = walk(wsis20_published, query="digital")
    language = matches[0].language
    chosen = [i for i in matches if i.language == language][:2] + [i for i in matches if i.language != language][:1]
    for contribution in chosen:
        contribution_codes_replace(contribution=contribution, codes=["sdgs:SDG9"])
    for sort in ("date", "relevance"):
        found = [
            i.pk
            for i in walk(
                wsis20_published, query="digital", sort=sort, filters={"language": language, "code": "sdgs:SDG9"}
            )
        ]
        assert sorted(found) == sorted(c.pk for c in chosen[:2]), sort


def test_it_counts_the_filter_menus_like_one_count_per_value(wsis20_published):
    from django.db.models import Count

    from consulta.publication.selectors import facet_counts, public_contributions

    counts = facet_counts(wsis20_published)
    for key in ("stakeholder_type", "region", "country", "language"):
        expected = list(
            public_contributions(wsis20_published).values_list(key).annotate(n=Count("id")).order_by(key)
        )
        assert counts[key] == expected, key
    assert sum(n for _value, n in counts["language"]) == 82


def test_it_recounts_the_filter_menus_once_a_withdrawal_is_committed(
    wsis20_published, secretariat, django_capture_on_commit_callbacks
):
    from consulta.publication.selectors import facet_counts
    from consulta.publication.services import contribution_reject

    before = dict(facet_counts(wsis20_published)["country"])
    contribution = Contribution.objects.filter(state="published").first()
    with django_capture_on_commit_callbacks(execute=True):
        contribution_reject(actor=secretariat, contribution=contribution, reason="Off topic")
    after = dict(facet_counts(wsis20_published)["country"])
    assert after.get(contribution.country, 0) == before[contribution.country] - 1
    assert sum(after.values()) == 81


def test_it_keeps_showing_the_menus_while_one_background_recount_follows_a_batch_of_changes(
    wsis20_published, secretariat, settings, django_capture_on_commit_callbacks
):
    """A page view never waits for a recount (0.2-0.5 s at a million contributions): it shows the
    previous counts until the queued task has recounted them, or recounts itself once they are stale."""
    import time_machine
    from django_tasks import task_backends

    from consulta.publication.selectors import FACET_STALE_SECONDS, facet_counts
    from consulta.publication.services import contribution_reject
    from consulta.publication.tasks import recount_facets

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queued, not run
    withdrawn = list(Contribution.objects.filter(state="published")[:3])
    with time_machine.travel("2026-11-28 10:00 +0000", tick=False) as clock:
        before = facet_counts(wsis20_published)
        with django_capture_on_commit_callbacks(execute=True):
            for contribution in withdrawn:
                contribution_reject(actor=secretariat, contribution=contribution, reason="Off topic")
        queued = [r for r in task_backends["default"].results if r.task.name == recount_facets.name]
        assert [r.args for r in queued] == [[wsis20_published.pk]], "one recount for the whole batch"
        assert facet_counts(wsis20_published) == before  # the previous counts, at once

        recount_facets.call(*queued[0].args)  # what the worker does
        assert sum(n for _value, n in facet_counts(wsis20_published)["language"]) == 79

        # With no worker running, a page view recounts once the change is FACET_STALE_SECONDS old.
        with django_capture_on_commit_callbacks(execute=True):
            contribution_reject(
                actor=secretariat, contribution=Contribution.objects.filter(state="published").first(), reason="x"
            )
        assert sum(n for _value, n in facet_counts(wsis20_published)["language"]) == 79
        clock.shift(FACET_STALE_SECONDS + 1)
        assert sum(n for _value, n in facet_counts(wsis20_published)["language"]) == 78


def test_it_lists_by_date_of_receipt_even_when_an_old_number_was_received_last(wsis20_published, monkeypatch):
    """Ids follow publication, not receipt: a paper letter keyed in late, or an edit approved late."""
    from datetime import timedelta

    from consulta.publication import search

    matches = walk(wsis20_published, query="digital")
    oldest_number = min(matches, key=lambda i: i.pk)
    newest = max(i.received_at for i in matches)
    Contribution.objects.filter(pk=oldest_number.pk).update(received_at=newest + timedelta(hours=1))
    monkeypatch.setattr(search, "CANDIDATES", 10_000)
    exact = [i.pk for i in walk(wsis20_published, query="digital", page_size=2)]
    assert exact[0] == oldest_number.pk
    monkeypatch.setattr(search, "CANDIDATES", 5)  # pages are cut from the 5 newest numbers when provably right
    assert [i.pk for i in walk(wsis20_published, query="digital", page_size=2)] == exact


def test_it_finds_the_same_newest_matches_through_a_window_of_recent_rows_on_postgresql(
    wsis20_published, monkeypatch
):
    """PostgreSQL looks for a mid-frequency word's newest matches among the newest rows first, widening
    the window until it holds enough; whatever the window, the results are those of the full walk."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consulta.publication import search

    if connection.vendor != "postgresql":
        pytest.skip("the window is PostgreSQL's")
    matches = walk(wsis20_published, query="digital")
    # Receipt no longer follows numbering: the oldest-numbered match becomes the newest received.
    Contribution.objects.filter(pk=min(i.pk for i in matches)).update(
        received_at=max(i.received_at for i in matches) + timedelta(hours=1)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE publication_contribution")  # the window is sized on the planner's estimates
    monkeypatch.setattr(search, "CANDIDATES", 10_000)
    exact = [i.pk for i in walk(wsis20_published, query="digital")]
    by_receipt = [i.pk for i in sorted(matches, key=lambda i: (i.received_at, i.pk), reverse=True)]

    monkeypatch.setattr(search, "WINDOW_SHARE", 1.01)  # every word counts as mid-frequency here
    monkeypatch.setattr(search, "WINDOW_MARGIN", 0.05)  # a first window far too narrow: it must widen
    monkeypatch.setattr(search, "CANDIDATES", len(exact) - 1)  # the window must end up holding them all
    with CaptureQueriesContext(connection) as queries:
        assert [i.pk for i in walk(wsis20_published, query="digital")] == exact
    windows = [q["sql"] for q in queries.captured_queries if "c.received_at >=" in q["sql"]]
    assert len(windows) >= 2, "a narrow window first, then a wider one"

    monkeypatch.setattr(search, "CANDIDATES", 3)
    capped = contribution_page(call=wsis20_published, query="digital", sort="relevance", page_size=50)
    assert capped.capped and {i.pk for i in capped.items} == set(by_receipt[:3])
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_indexscan")
        assert cursor.fetchone()[0] == "on", "the planner setting is put back"
