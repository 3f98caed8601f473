"""ITU regions, and the UN member and observer states a respondent may give as their country.

A respondent gives a country (ISO 3166-1 alpha-2); :func:`region_of` derives the ITU region. The
grouping is the six-region one of the ITU Telecommunication Development Sector (ITU-D, the
Telecommunication Development Bureau, BDT): the regions ITU uses in *Facts and Figures*, the ITU
DataHub and the regional development forums. It is **not** the three ITU Radio Regions of the Radio
Regulations, nor the UN M49 geographic scheme.

Source followed: the ITU-D statistics region definitions ("ITU regions", itu.int/en/ITU-D/Statistics,
definitions/regions) as used for *Facts and Figures* 2023 and 2024, in which the CIS region counts
nine countries and Europe includes Georgia, the Republic of Moldova and Ukraine. The table below is
written from that grouping and from general knowledge; nothing was copied.

Where we were unsure, and what we decided:

- **Georgia, Republic of Moldova, Ukraine -> Europe.** Older ITU-D material (for example the 2009
  statistical profile of the CIS region and editions of *Facts and Figures* up to about 2022) put
  them in the CIS region, which then had twelve countries. The most recent grouping we know puts
  them in Europe. If a call must reproduce an older edition, change these three lines.
- **Mongolia, Iran, Afghanistan -> Asia-Pacific** (ITU-D), although Mongolia is in Radio Region 1.
- **Israel, Türkiye, Cyprus -> Europe**, as in ITU-D.
- **Palau** is in the table (Asia-Pacific) because it is a UN member, although it is not an ITU
  Member State; the **Holy See** is an ITU Member State and a UN observer (Europe).
- **State of Palestine** is a UN observer state and a member of the League of Arab States, and ITU
  statistics report it under Arab States.
- The Arab States region is the 22 members of the League of Arab States; Sudan, Mauritania,
  Somalia, Djibouti and Comoros are therefore Arab States, not Africa. Africa is the other 44
  African UN member states (sub-Saharan Africa).

Codes outside the 193 UN member states and two observer states (Kosovo ``XK``, Taiwan ``TW``,
territories such as ``PR``, ``HK``, ``GL``, ``AQ``) have no region here and are refused.

Pure Python on purpose: no Django import, so ``synthesis`` and scripts may use it too.
"""

from __future__ import annotations

REGIONS: tuple[str, ...] = ("africa", "americas", "arab_states", "asia_pacific", "cis", "europe")

# region -> {language -> name}, in the six UN languages (ar, zh, en, fr, ru, es).
REGION_LABELS: dict[str, dict[str, str]] = {
    "africa": {
        "ar": "أفريقيا",
        "zh": "非洲",
        "en": "Africa",
        "fr": "Afrique",
        "ru": "Африка",
        "es": "África",
    },
    "americas": {
        "ar": "الأمريكتان",
        "zh": "美洲",
        "en": "Americas",
        "fr": "Amériques",
        "ru": "Америка",
        "es": "Américas",
    },
    "arab_states": {
        "ar": "الدول العربية",
        "zh": "阿拉伯国家",
        "en": "Arab States",
        "fr": "États arabes",
        "ru": "Арабские государства",
        "es": "Estados Árabes",
    },
    "asia_pacific": {
        "ar": "آسيا والمحيط الهادئ",
        "zh": "亚太",
        "en": "Asia-Pacific",
        "fr": "Asie-Pacifique",
        "ru": "Азиатско-Тихоокеанский регион",
        "es": "Asia-Pacífico",
    },
    "cis": {
        "ar": "رابطة الدول المستقلة",
        "zh": "独立国家联合体",
        "en": "Commonwealth of Independent States",
        "fr": "Communauté des États indépendants",
        "ru": "Содружество Независимых Государств",
        "es": "Comunidad de Estados Independientes",
    },
    "europe": {
        "ar": "أوروبا",
        "zh": "欧洲",
        "en": "Europe",
        "fr": "Europe",
        "ru": "Европа",
        "es": "Europa",
    },
}

# Short forms for charts and table headers: the same as REGION_LABELS except for the CIS,
# which is abbreviated where the language has a usual abbreviation.
REGION_SHORT_LABELS: dict[str, dict[str, str]] = {
    region: dict(labels) for region, labels in REGION_LABELS.items()
}
REGION_SHORT_LABELS["cis"] = {
    "ar": "رابطة الدول المستقلة",  # no usual Arabic abbreviation
    "zh": "独联体",
    "en": "CIS",
    "fr": "CEI",
    "ru": "СНГ",
    "es": "CEI",
}

# The 193 UN member states, by ISO 3166-1 alpha-2 code (kept apart from the region table below so
# that each checks the other).
UN_MEMBER_STATES: frozenset[str] = frozenset(
    {
        "AD", "AE", "AF", "AG", "AL", "AM", "AO", "AR", "AT", "AU", "AZ",
        "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BN", "BO", "BR", "BS", "BT", "BW",
        "BY", "BZ",
        "CA", "CD", "CF", "CG", "CH", "CI", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CY", "CZ",
        "DE", "DJ", "DK", "DM", "DO", "DZ",
        "EC", "EE", "EG", "ER", "ES", "ET",
        "FI", "FJ", "FM", "FR",
        "GA", "GB", "GD", "GE", "GH", "GM", "GN", "GQ", "GR", "GT", "GW", "GY",
        "HN", "HR", "HT", "HU",
        "ID", "IE", "IL", "IN", "IQ", "IR", "IS", "IT",
        "JM", "JO", "JP",
        "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KZ",
        "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY",
        "MA", "MC", "MD", "ME", "MG", "MH", "MK", "ML", "MM", "MN", "MR", "MT", "MU", "MV", "MW",
        "MX", "MY", "MZ",
        "NA", "NE", "NG", "NI", "NL", "NO", "NP", "NR", "NZ",
        "OM",
        "PA", "PE", "PG", "PH", "PK", "PL", "PT", "PW", "PY",
        "QA",
        "RO", "RS", "RU", "RW",
        "SA", "SB", "SC", "SD", "SE", "SG", "SI", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST",
        "SV", "SY", "SZ",
        "TD", "TG", "TH", "TJ", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TZ",
        "UA", "UG", "US", "UY", "UZ",
        "VC", "VE", "VN", "VU",
        "WS",
        "YE",
        "ZA", "ZM", "ZW",
    }
)  # fmt: skip

# Non-member observer states of the UN General Assembly.
UN_OBSERVER_STATES: frozenset[str] = frozenset({"PS", "VA"})

COUNTRY_CODES: tuple[str, ...] = tuple(sorted(UN_MEMBER_STATES | UN_OBSERVER_STATES))

# country -> ITU-D region. Grouped by region, alphabetical by English short name within a region.
_REGION_OF_COUNTRY: dict[str, str] = {
    # --- Africa (44) ---
    "AO": "africa",  # Angola
    "BJ": "africa",  # Benin
    "BW": "africa",  # Botswana
    "BF": "africa",  # Burkina Faso
    "BI": "africa",  # Burundi
    "CV": "africa",  # Cabo Verde
    "CM": "africa",  # Cameroon
    "CF": "africa",  # Central African Republic
    "TD": "africa",  # Chad
    "CG": "africa",  # Congo
    "CI": "africa",  # Côte d'Ivoire
    "CD": "africa",  # Democratic Republic of the Congo
    "GQ": "africa",  # Equatorial Guinea
    "ER": "africa",  # Eritrea
    "SZ": "africa",  # Eswatini
    "ET": "africa",  # Ethiopia
    "GA": "africa",  # Gabon
    "GM": "africa",  # Gambia
    "GH": "africa",  # Ghana
    "GN": "africa",  # Guinea
    "GW": "africa",  # Guinea-Bissau
    "KE": "africa",  # Kenya
    "LS": "africa",  # Lesotho
    "LR": "africa",  # Liberia
    "MG": "africa",  # Madagascar
    "MW": "africa",  # Malawi
    "ML": "africa",  # Mali
    "MU": "africa",  # Mauritius
    "MZ": "africa",  # Mozambique
    "NA": "africa",  # Namibia
    "NE": "africa",  # Niger
    "NG": "africa",  # Nigeria
    "RW": "africa",  # Rwanda
    "ST": "africa",  # Sao Tome and Principe
    "SN": "africa",  # Senegal
    "SC": "africa",  # Seychelles
    "SL": "africa",  # Sierra Leone
    "ZA": "africa",  # South Africa
    "SS": "africa",  # South Sudan
    "TG": "africa",  # Togo
    "UG": "africa",  # Uganda
    "TZ": "africa",  # United Republic of Tanzania
    "ZM": "africa",  # Zambia
    "ZW": "africa",  # Zimbabwe
    # --- Americas (35) ---
    "AG": "americas",  # Antigua and Barbuda
    "AR": "americas",  # Argentina
    "BS": "americas",  # Bahamas
    "BB": "americas",  # Barbados
    "BZ": "americas",  # Belize
    "BO": "americas",  # Bolivia (Plurinational State of)
    "BR": "americas",  # Brazil
    "CA": "americas",  # Canada
    "CL": "americas",  # Chile
    "CO": "americas",  # Colombia
    "CR": "americas",  # Costa Rica
    "CU": "americas",  # Cuba
    "DM": "americas",  # Dominica
    "DO": "americas",  # Dominican Republic
    "EC": "americas",  # Ecuador
    "SV": "americas",  # El Salvador
    "GD": "americas",  # Grenada
    "GT": "americas",  # Guatemala
    "GY": "americas",  # Guyana
    "HT": "americas",  # Haiti
    "HN": "americas",  # Honduras
    "JM": "americas",  # Jamaica
    "MX": "americas",  # Mexico
    "NI": "americas",  # Nicaragua
    "PA": "americas",  # Panama
    "PY": "americas",  # Paraguay
    "PE": "americas",  # Peru
    "KN": "americas",  # Saint Kitts and Nevis
    "LC": "americas",  # Saint Lucia
    "VC": "americas",  # Saint Vincent and the Grenadines
    "SR": "americas",  # Suriname
    "TT": "americas",  # Trinidad and Tobago
    "US": "americas",  # United States of America
    "UY": "americas",  # Uruguay
    "VE": "americas",  # Venezuela (Bolivarian Republic of)
    # --- Arab States (21 members + State of Palestine): the League of Arab States ---
    "DZ": "arab_states",  # Algeria
    "BH": "arab_states",  # Bahrain
    "KM": "arab_states",  # Comoros
    "DJ": "arab_states",  # Djibouti
    "EG": "arab_states",  # Egypt
    "IQ": "arab_states",  # Iraq
    "JO": "arab_states",  # Jordan
    "KW": "arab_states",  # Kuwait
    "LB": "arab_states",  # Lebanon
    "LY": "arab_states",  # Libya
    "MR": "arab_states",  # Mauritania
    "MA": "arab_states",  # Morocco
    "OM": "arab_states",  # Oman
    "QA": "arab_states",  # Qatar
    "SA": "arab_states",  # Saudi Arabia
    "SO": "arab_states",  # Somalia
    "PS": "arab_states",  # State of Palestine (UN observer state)
    "SD": "arab_states",  # Sudan
    "SY": "arab_states",  # Syrian Arab Republic
    "TN": "arab_states",  # Tunisia
    "AE": "arab_states",  # United Arab Emirates
    "YE": "arab_states",  # Yemen
    # --- Asia-Pacific (39) ---
    "AF": "asia_pacific",  # Afghanistan
    "AU": "asia_pacific",  # Australia
    "BD": "asia_pacific",  # Bangladesh
    "BT": "asia_pacific",  # Bhutan
    "BN": "asia_pacific",  # Brunei Darussalam
    "KH": "asia_pacific",  # Cambodia
    "CN": "asia_pacific",  # China
    "KP": "asia_pacific",  # Democratic People's Republic of Korea
    "FJ": "asia_pacific",  # Fiji
    "IN": "asia_pacific",  # India
    "ID": "asia_pacific",  # Indonesia
    "IR": "asia_pacific",  # Iran (Islamic Republic of)
    "JP": "asia_pacific",  # Japan
    "KI": "asia_pacific",  # Kiribati
    "LA": "asia_pacific",  # Lao People's Democratic Republic
    "MY": "asia_pacific",  # Malaysia
    "MV": "asia_pacific",  # Maldives
    "MH": "asia_pacific",  # Marshall Islands
    "FM": "asia_pacific",  # Micronesia (Federated States of)
    "MN": "asia_pacific",  # Mongolia
    "MM": "asia_pacific",  # Myanmar
    "NR": "asia_pacific",  # Nauru
    "NP": "asia_pacific",  # Nepal
    "NZ": "asia_pacific",  # New Zealand
    "PK": "asia_pacific",  # Pakistan
    "PW": "asia_pacific",  # Palau (UN member, not an ITU Member State)
    "PG": "asia_pacific",  # Papua New Guinea
    "PH": "asia_pacific",  # Philippines
    "KR": "asia_pacific",  # Republic of Korea
    "WS": "asia_pacific",  # Samoa
    "SG": "asia_pacific",  # Singapore
    "SB": "asia_pacific",  # Solomon Islands
    "LK": "asia_pacific",  # Sri Lanka
    "TH": "asia_pacific",  # Thailand
    "TL": "asia_pacific",  # Timor-Leste
    "TO": "asia_pacific",  # Tonga
    "TV": "asia_pacific",  # Tuvalu
    "VU": "asia_pacific",  # Vanuatu
    "VN": "asia_pacific",  # Viet Nam
    # --- CIS (9) ---
    "AM": "cis",  # Armenia
    "AZ": "cis",  # Azerbaijan
    "BY": "cis",  # Belarus
    "KZ": "cis",  # Kazakhstan
    "KG": "cis",  # Kyrgyzstan
    "RU": "cis",  # Russian Federation
    "TJ": "cis",  # Tajikistan
    "TM": "cis",  # Turkmenistan
    "UZ": "cis",  # Uzbekistan
    # --- Europe (45 members + Holy See) ---
    "AL": "europe",  # Albania
    "AD": "europe",  # Andorra
    "AT": "europe",  # Austria
    "BE": "europe",  # Belgium
    "BA": "europe",  # Bosnia and Herzegovina
    "BG": "europe",  # Bulgaria
    "HR": "europe",  # Croatia
    "CY": "europe",  # Cyprus
    "CZ": "europe",  # Czechia
    "DK": "europe",  # Denmark
    "EE": "europe",  # Estonia
    "FI": "europe",  # Finland
    "FR": "europe",  # France
    "GE": "europe",  # Georgia (CIS region in older ITU-D editions; see the module docstring)
    "DE": "europe",  # Germany
    "GR": "europe",  # Greece
    "VA": "europe",  # Holy See (UN observer state)
    "HU": "europe",  # Hungary
    "IS": "europe",  # Iceland
    "IE": "europe",  # Ireland
    "IL": "europe",  # Israel
    "IT": "europe",  # Italy
    "LV": "europe",  # Latvia
    "LI": "europe",  # Liechtenstein
    "LT": "europe",  # Lithuania
    "LU": "europe",  # Luxembourg
    "MT": "europe",  # Malta
    "MC": "europe",  # Monaco
    "ME": "europe",  # Montenegro
    "NL": "europe",  # Netherlands (Kingdom of the)
    "MK": "europe",  # North Macedonia
    "NO": "europe",  # Norway
    "PL": "europe",  # Poland
    "PT": "europe",  # Portugal
    "MD": "europe",  # Republic of Moldova (CIS region in older ITU-D editions)
    "RO": "europe",  # Romania
    "SM": "europe",  # San Marino
    "RS": "europe",  # Serbia
    "SK": "europe",  # Slovakia
    "SI": "europe",  # Slovenia
    "ES": "europe",  # Spain
    "SE": "europe",  # Sweden
    "CH": "europe",  # Switzerland
    "TR": "europe",  # Türkiye
    "UA": "europe",  # Ukraine (CIS region in older ITU-D editions)
    "GB": "europe",  # United Kingdom of Great Britain and Northern Ireland
}


def region_of(country_code: str) -> str:
    """The ITU-D region of a UN member or observer state, from its ISO 3166-1 alpha-2 code.

    Case and surrounding spaces are ignored (``" fr"`` gives ``"europe"``). A code that is not one
    of :data:`COUNTRY_CODES` raises :class:`KeyError` saying so.
    """
    if not isinstance(country_code, str):
        raise TypeError(f"country code must be a string, not {type(country_code).__name__}")
    code = country_code.strip().upper()
    try:
        return _REGION_OF_COUNTRY[code]
    except KeyError:
        raise KeyError(
            f"{country_code!r} is not the ISO 3166-1 alpha-2 code of a UN member or observer "
            "state, so it has no ITU region"
        ) from None


def region_label(region: str, language: str = "en", *, short: bool = False) -> str:
    """A region's name in one of the six UN languages (English for any other language)."""
    labels = (REGION_SHORT_LABELS if short else REGION_LABELS)[region]
    return labels.get(language, labels["en"])
