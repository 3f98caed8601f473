"""The public list: filters, search in six languages, keyset pagination, nothing private."""

import pytest

from consulta.publication.models import Contribution
from consulta.publication.selectors import contribution_page, public_contribution

pytestmark = pytest.mark.django_db


def walk(call, **kwargs):
    seen, cursor = [], None
    while True:
        page = contribution_page(call=call, cursor=cursor, page_size=7, **kwargs)
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
