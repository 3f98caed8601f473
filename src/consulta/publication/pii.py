"""Likely personal data in free text: flags for the moderator, never silent changes.

Patterns are deliberately broad (a moderator reviews every flag) and cover the forms seen across the
six UN languages: e-mail addresses, telephone numbers, street addresses and national identity or
account numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# +41 22 730 51 11, (022) 730-5111, 0041 22 7305111, +7 (495) 123-45-67
PHONE = re.compile(r"(?<![\w/])(?:\+|00)?\d{1,3}?[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]\d{2,4}){2,4}(?![\w/])")
STREET_WORDS = (
    r"street|avenue|road|boulevard|blvd|lane|rue|chemin|route|calle|avenida|carrera|"
    r"rua|plaza|улица|ул\.|проспект|пр-т|переулок|شارع|طريق|路|街|号"
)
STREET = re.compile(rf"\b\d{{1,5}}[a-zA-Z]?\s+(?:[^\W\d][\w'’.-]*\s+){{0,3}}(?:{STREET_WORDS})\b|(?:{STREET_WORDS})\s+[\w'’.-]+(?:\s+[\w'’.-]+){{0,3}},?\s*\d{{1,5}}\b", re.IGNORECASE | re.UNICODE)
NATIONAL_ID = re.compile(
    r"\b\d{3}-\d{2}-\d{4}\b"  # US SSN
    r"|\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}\b"  # IBAN
    r"|\b\d{9,14}\b"  # long digit runs: identity, tax or account numbers
    r"|\b\d{6}[-/]\d{4,7}\b",  # date-based identity numbers
)
KINDS = (("email", EMAIL), ("national_id", NATIONAL_ID), ("phone", PHONE), ("address", STREET))


@dataclass(frozen=True)
class Flag:
    field: str
    kind: str
    start: int
    end: int
    excerpt: str

    def as_dict(self) -> dict:
        return {"field": self.field, "kind": self.kind, "start": self.start, "end": self.end, "excerpt": self.excerpt}


def find_personal_data(field: str, text: str) -> list[Flag]:
    """Non-overlapping flags in text order; the earlier kind wins where two patterns overlap."""
    taken: list[tuple[int, int]] = []
    flags: list[Flag] = []
    for kind, pattern in KINDS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if len(re.sub(r"\D", "", match.group())) < 7 and kind in ("phone", "national_id"):
                continue
            if any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            flags.append(Flag(field, kind, start, end, text[start:end]))
    return sorted(flags, key=lambda f: (f.start, f.kind))
