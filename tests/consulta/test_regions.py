"""The ITU region a respondent's country falls in, and which countries a respondent may give."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from consulta import regions
from consulta.regions import (
    COUNTRY_CODES,
    REGION_LABELS,
    REGION_SHORT_LABELS,
    REGIONS,
    UN_MEMBER_STATES,
    UN_OBSERVER_STATES,
    region_label,
    region_of,
)

UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
ISO_CODES_JSON = Path("/usr/share/iso-codes/json/iso_3166-1.json")


def test_it_knows_the_193_member_states_and_2_observer_states():
    assert len(UN_MEMBER_STATES) == 193
    assert sorted(UN_OBSERVER_STATES) == ["PS", "VA"]
    assert not UN_MEMBER_STATES & UN_OBSERVER_STATES


def test_it_offers_members_and_observers_sorted_as_country_choices():
    assert len(COUNTRY_CODES) == 195
    assert list(COUNTRY_CODES) == sorted(UN_MEMBER_STATES | UN_OBSERVER_STATES)
    assert len(set(COUNTRY_CODES)) == len(COUNTRY_CODES)


def test_it_has_a_region_for_every_country_and_for_nothing_else():
    table = regions._REGION_OF_COUNTRY
    assert set(table) == set(COUNTRY_CODES)
    for code in COUNTRY_CODES:
        assert region_of(code) in REGIONS, code


def test_it_gives_every_region_members():
    counts = Counter(region_of(code) for code in COUNTRY_CODES)
    assert set(counts) == set(REGIONS)
    assert all(counts[region] > 0 for region in REGIONS)


def test_it_counts_the_countries_per_region_as_itu_d_does():
    counts = Counter(region_of(code) for code in COUNTRY_CODES)
    assert counts == {
        "africa": 44,
        "americas": 35,
        "arab_states": 22,  # 21 member states + State of Palestine
        "asia_pacific": 39,
        "cis": 9,
        "europe": 46,  # 45 member states + Holy See
    }


@pytest.mark.parametrize(
    ("code", "region"),
    [
        ("SN", "africa"),
        ("NG", "africa"),
        ("ZA", "africa"),
        ("EG", "arab_states"),
        ("MA", "arab_states"),
        ("SD", "arab_states"),
        ("SO", "arab_states"),
        ("KM", "arab_states"),
        ("PS", "arab_states"),
        ("BR", "americas"),
        ("CA", "americas"),
        ("TT", "americas"),
        ("CN", "asia_pacific"),
        ("IR", "asia_pacific"),
        ("MN", "asia_pacific"),
        ("AU", "asia_pacific"),
        ("RU", "cis"),
        ("KZ", "cis"),
        ("AM", "cis"),
        ("FR", "europe"),
        ("TR", "europe"),
        ("IL", "europe"),
        ("CY", "europe"),
        ("VA", "europe"),
        ("UA", "europe"),
        ("GE", "europe"),
        ("MD", "europe"),
    ],
)
def test_it_derives_the_region_of_a_country(code, region):
    assert region_of(code) == region


def test_it_puts_the_22_league_of_arab_states_members_in_arab_states():
    league = {
        "DZ", "BH", "KM", "DJ", "EG", "IQ", "JO", "KW", "LB", "LY", "MR",
        "MA", "OM", "PS", "QA", "SA", "SO", "SD", "SY", "TN", "AE", "YE",
    }  # fmt: skip
    assert len(league) == 22
    assert {code for code in COUNTRY_CODES if region_of(code) == "arab_states"} == league


def test_it_ignores_case_and_surrounding_spaces():
    assert region_of("fr") == "europe"
    assert region_of("Fr") == "europe"
    assert region_of(" sn\n") == "africa"


@pytest.mark.parametrize("code", ["XK", "TW", "AQ", "ZZ", "HK", "PR", "", "FRA", "F"])
def test_it_refuses_codes_that_are_not_un_member_or_observer_states(code):
    with pytest.raises(KeyError) as excinfo:
        region_of(code)
    message = str(excinfo.value)
    assert repr(code) in message
    assert "UN member or observer state" in message


def test_it_refuses_a_code_that_is_not_a_string():
    with pytest.raises(TypeError):
        region_of(None)  # type: ignore[arg-type]


def test_it_uses_only_valid_iso_3166_1_alpha_2_codes():
    from django_countries.data import COUNTRIES  # the keys need no Django settings

    assert set(COUNTRY_CODES) <= set(COUNTRIES)
    assert all(len(code) == 2 and code.isascii() and code.isupper() for code in COUNTRY_CODES)


@pytest.mark.skipif(not ISO_CODES_JSON.exists(), reason="Debian iso-codes not installed")
def test_it_agrees_with_the_iso_codes_package():
    entries = json.loads(ISO_CODES_JSON.read_text(encoding="utf-8"))["3166-1"]
    assert set(COUNTRY_CODES) <= {entry["alpha_2"] for entry in entries}


def test_it_names_every_region_in_the_six_un_languages():
    assert tuple(REGION_LABELS) == REGIONS
    assert tuple(REGION_SHORT_LABELS) == REGIONS
    for labels in (REGION_LABELS, REGION_SHORT_LABELS):
        for region, names in labels.items():
            assert tuple(names) == UN_LANGUAGES, region
            assert all(name.strip() == name and name for name in names.values()), region
    assert REGION_LABELS["arab_states"]["en"] == "Arab States"
    assert REGION_LABELS["asia_pacific"]["en"] == "Asia-Pacific"
    assert REGION_SHORT_LABELS["cis"]["en"] == "CIS"


def test_it_falls_back_to_english_for_a_region_label_in_another_language():
    assert region_label("europe", "fr") == "Europe"
    assert region_label("cis", "ru", short=True) == "СНГ"
    assert region_label("arab_states", "de") == "Arab States"


def test_it_imports_no_django():
    source = Path(regions.__file__).read_text(encoding="utf-8")
    assert "import django" not in source
    assert "from django" not in source
