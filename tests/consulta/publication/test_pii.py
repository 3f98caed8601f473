"""Likely personal data in free text, across the six languages."""

from consulta.publication.pii import find_personal_data


def kinds(text):
    return [(f.kind, f.excerpt) for f in find_personal_data("q", text)]


def test_it_finds_emails_phones_addresses_and_identity_numbers():
    assert kinds("Contact: maria.lopez@example.es") == [("email", "maria.lopez@example.es")]
    assert kinds("Tel. +41 22 730 51 11 please")[0] == ("phone", "+41 22 730 51 11")
    assert kinds("Звоните +7 (495) 123-45-67")[0][0] == "phone"
    assert kinds("SSN 123-45-6789")[0] == ("national_id", "123-45-6789")
    assert kinds("IBAN CH93 0076 2011 6238 5295 7")[0][0] == "national_id"
    assert kinds("We are at 221B Baker Street, London")[0][0] == "address"
    assert kinds("Calle Mayor 12, Madrid")[0][0] == "address"


def test_it_leaves_ordinary_numbers_and_years_alone():
    assert kinds("Between 2005 and 2025, 3.5 billion people came online; 40 % in Africa.") == []
    assert kinds("Resolution 70/125 and Action Lines C1 to C11.") == []


def test_it_gives_exact_offsets_into_the_text():
    text = "Écrivez à jean@example.fr."
    (flag,) = find_personal_data("q", text)
    assert text[flag.start : flag.end] == "jean@example.fr"
