"""Duplicates and campaigns: found, counted, never removed (texts written for these tests)."""

from __future__ import annotations

from synthesis.duplicates import DuplicateFinder, DuplicateGroup, find_duplicates
from synthesis.text import Document

LETTER = (
    "Our cooperative runs a small community network in the hills, and the biggest problem we "
    "face is the price of backhaul capacity from the national operator. We ask the review to "
    "recommend open access rules for fibre backbones and a fund for local operators."
)
SECOND_PARAGRAPH = (
    "We also train young technicians every year, but most of them leave for the capital "
    "because there are no jobs for them at home."
)
TEMPLATE = (
    "We, the members of the Coastal Libraries Alliance, urge every government to keep public "
    "libraries open as free places to get online, to pay librarians to teach digital skills, "
    "and to publish all public information in the languages people actually speak."
)
UNRELATED = [
    "La cybersécurité des hôpitaux doit devenir une priorité nationale, avec des équipes formées.",
    "Las mujeres rurales necesitan crédito y formación para usar el comercio electrónico.",
    "Нужно снизить стоимость мобильного интернета для студентов и пенсионеров в регионах.",
    "يجب حماية البيانات الشخصية للمواطنين عند استخدام الخدمات الحكومية الإلكترونية.",
    "各国应加强在人工智能治理方面的合作，并让发展中国家参与规则制定。",
    "Satellite connectivity helped our island clinics share patient records with the mainland.",
]


def _groups(docs, **params) -> list[DuplicateGroup]:
    return find_duplicates(docs, **params)


def _kinds(groups, kind):
    return [g for g in groups if g.kind == kind]


def test_it_finds_exact_duplicates_despite_case_and_spacing():
    docs = [
        Document("a", LETTER),
        Document("b", "  " + LETTER.upper().replace(" ", "   ") + "\n"),
        Document("c", UNRELATED[0]),
    ]
    exact = _kinds(_groups(docs), "exact")
    assert [g.members for g in exact] == [("a", "b")]
    assert exact[0].representative == "a"


def test_it_finds_a_near_duplicate_with_a_small_edit():
    edited = LETTER.replace("biggest problem", "main problem")
    docs = [Document("1", LETTER), Document("2", edited), Document("3", UNRELATED[5])]
    near = _kinds(_groups(docs), "near")
    assert [g.members for g in near] == [("1", "2")]


def test_it_finds_a_near_duplicate_with_an_added_signature():
    signed = LETTER + "\n\nWith kind regards,\nAmina Yusuf, coordinator"
    docs = [Document("x1", LETTER), Document("x2", signed)]
    near = _kinds(_groups(docs), "near")
    assert [g.members for g in near] == [("x1", "x2")]


def test_it_finds_a_near_duplicate_with_paragraphs_reordered():
    one = LETTER + "\n\n" + SECOND_PARAGRAPH
    other = SECOND_PARAGRAPH + "\n\n" + LETTER
    docs = [Document("p", one), Document("q", other), Document("r", UNRELATED[1])]
    near = _kinds(_groups(docs), "near")
    assert [g.members for g in near] == [("p", "q")]


def test_it_does_not_group_unrelated_texts():
    docs = [Document(f"u{i}", t) for i, t in enumerate(UNRELATED)]
    docs.append(Document("letter", LETTER))
    assert _groups(docs) == []


def test_it_does_not_call_short_common_answers_a_campaign():
    docs = [Document(f"s{i}", text) for i, text in enumerate(["Yes", "yes", "Yes.", "YES", "yes"])]
    groups = _groups(docs, campaign_min_size=3)
    assert not _kinds(groups, "campaign")
    assert _kinds(groups, "exact")  # identical answers are still counted


def test_it_detects_a_campaign_by_size_threshold():
    personal = [
        "",
        " In my town the library is the only place with a computer.",
        " I learned to use e-mail at our library when I was seventy.",
        " Please do not close the branch on Harbour Street.",
        "",
        " Our children do their homework there every evening.",
    ]
    docs = [Document(f"c{i}", TEMPLATE + extra) for i, extra in enumerate(personal)]
    docs += [Document(f"u{i}", t) for i, t in enumerate(UNRELATED)]
    groups = _groups(docs, campaign_min_size=5)
    campaigns = _kinds(groups, "campaign")
    assert len(campaigns) == 1
    assert campaigns[0].members == tuple(f"c{i}" for i in range(6))
    # below the threshold the same texts are not a campaign
    assert not _kinds(_groups(docs, campaign_min_size=7), "campaign")


def test_it_links_a_shared_template_with_personal_additions():
    additions = [
        " As a retired teacher I volunteer at the branch twice a week.",
        " My grandson found his first job through the free library internet.",
        " The mobile library bus is the only service reaching the northern farms.",
        " Our reading club meets online thanks to tablets lent by the library.",
        " Without the library I could not have filed my pension claim.",
    ]
    docs = [Document(f"t{i}", TEMPLATE + extra) for i, extra in enumerate(additions)]
    campaigns = _kinds(_groups(docs, campaign_min_size=5), "campaign")
    assert [g.members for g in campaigns] == [tuple(f"t{i}" for i in range(5))]


def test_it_picks_a_representative_that_is_a_member():
    docs = [Document(f"d{i}", LETTER + ("" if i % 2 else " Thank you.")) for i in range(7)]
    for group in _groups(docs, campaign_min_size=3):
        assert group.representative in group.members
        assert list(group.members) == sorted(group.members)


def test_it_accounts_for_every_document_and_removes_none():
    docs = [Document("a", LETTER), Document("b", LETTER), Document("c", UNRELATED[2])]
    docs += [Document(f"e{i}", "") for i in range(3)]
    finder = DuplicateFinder().fit(docs)
    grouped = {m for g in finder.groups_ for m in g.members}
    assert grouped <= {d.id for d in docs}
    summary = finder.summary()
    assert summary["documents"] == len(docs)
    assert summary["in_exact_groups"] == 2  # empty answers are not duplicates of one another
    assert len(docs) == 6  # the input is left as it was


def test_it_gives_the_same_groups_whatever_the_input_order():
    docs = [Document(f"n{i}", LETTER + f" Reference {i % 3}.") for i in range(6)]
    docs += [Document(f"u{i}", t) for i, t in enumerate(UNRELATED)]
    forward = _groups(docs, campaign_min_size=4)
    backward = _groups(list(reversed(docs)), campaign_min_size=4)
    assert forward == backward
    assert forward  # something was found


def test_it_matches_near_duplicates_in_chinese_without_spaces():
    text = "我们的社区网络覆盖了山区的十二个村庄，但是骨干网络的价格太高，希望审查报告建议开放光纤骨干网并设立地方运营商基金。"
    edited = text.replace("十二个", "十三个")
    docs = [Document("z1", text), Document("z2", edited), Document("z3", UNRELATED[4])]
    near = _kinds(_groups(docs), "near")
    assert [g.members for g in near] == [("z1", "z2")]
