"""Codebooks: the analyst's vocabulary of codes, as validated plain data.

A codebook is loaded from YAML by :mod:`synthesis.io`; this module only turns a parsed mapping into
frozen dataclasses and back, refusing anything malformed with a message that names the code and
field, so that an analyst editing a custom codebook can fix it without reading a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from synthesis.text import LANGUAGES

BUILTIN_CODEBOOKS = ("wsis-action-lines", "sdgs", "trends", "challenges", "kinds")

_TOP_KEYS = ("id", "version", "title", "description", "codes")
_CODE_KEYS = ("id", "label", "description", "keywords", "examples")


class CodebookError(ValueError):
    """A codebook that cannot be used; the message says where and why."""


def _pick(mapping: Mapping[str, str], language: str, fallback: str) -> str:
    if mapping.get(language):
        return mapping[language]
    if mapping.get("en"):
        return mapping["en"]
    for lang in LANGUAGES:
        if mapping.get(lang):
            return mapping[lang]
    return fallback


@dataclass(frozen=True)
class Code:
    id: str
    label: Mapping[str, str]
    description: Mapping[str, str] = field(default_factory=dict)
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    examples: tuple[str, ...] = ()

    def label_in(self, language: str) -> str:
        """Label for display; falls back to English, then any language, then the id."""
        return _pick(self.label, language, self.id)

    def description_in(self, language: str) -> str:
        return _pick(self.description, language, "")

    def to_dict(self) -> dict:
        data: dict = {
            "id": self.id,
            "label": dict(self.label),
            "description": dict(self.description),
            "keywords": {lang: list(words) for lang, words in self.keywords.items()},
        }
        if self.examples:
            data["examples"] = list(self.examples)
        return data


@dataclass(frozen=True)
class Codebook:
    id: str
    version: str
    title: Mapping[str, str]
    codes: tuple[Code, ...]
    description: Mapping[str, str] = field(default_factory=dict)
    _index: Mapping[str, Code] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {code.id: code for code in self.codes})

    @property
    def code_ids(self) -> tuple[str, ...]:
        return tuple(code.id for code in self.codes)

    def code(self, code_id: str) -> Code:
        try:
            return self._index[code_id]
        except KeyError:
            raise KeyError(f"codebook {self.id!r} has no code {code_id!r}") from None

    def __contains__(self, code_id: object) -> bool:
        return code_id in self._index

    def __len__(self) -> int:
        return len(self.codes)

    def title_in(self, language: str) -> str:
        return _pick(self.title, language, self.id)

    @classmethod
    def from_dict(cls, data: Mapping) -> Codebook:
        """Validate a parsed codebook (YAML/JSON) and build it; raises CodebookError."""
        if not isinstance(data, Mapping):
            raise CodebookError(
                f"a codebook must be a mapping with {', '.join(_TOP_KEYS)}; "
                f"got {type(data).__name__}"
            )
        _no_unknown_keys(data, _TOP_KEYS, "codebook")
        cb_id = _required_str(data, "id", "codebook")
        where = f"codebook {cb_id!r}"
        if isinstance(data.get("version"), int) and not isinstance(data["version"], bool):
            version = str(data["version"])  # "version: 1" is unambiguous; 1.10 would not be
        else:
            version = _required_str(data, "version", where, hint=" (quote it in YAML, e.g. '1.0')")
        title = _per_language_str(data.get("title", {}), f"{where}: field 'title'")
        description = _per_language_str(
            data.get("description", {}), f"{where}: field 'description'"
        )
        raw_codes = data.get("codes")
        if not isinstance(raw_codes, list) or not raw_codes:
            raise CodebookError(f"{where}: field 'codes' must be a non-empty list of codes")
        codes: list[Code] = []
        seen: dict[str, int] = {}
        for position, raw in enumerate(raw_codes, start=1):
            code = _code_from_dict(raw, f"{where}, code #{position}")
            if code.id in seen:
                raise CodebookError(
                    f"{where}: duplicate code id {code.id!r} "
                    f"(codes #{seen[code.id]} and #{position})"
                )
            seen[code.id] = position
            codes.append(code)
        return cls(
            id=cb_id, version=version, title=title, codes=tuple(codes), description=description
        )

    def to_dict(self) -> dict:
        data: dict = {"id": self.id, "version": self.version, "title": dict(self.title)}
        if self.description:
            data["description"] = dict(self.description)
        data["codes"] = [code.to_dict() for code in self.codes]
        return data


def _no_unknown_keys(data: Mapping, allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise CodebookError(
            f"{where}: unknown field(s) {', '.join(repr(k) for k in unknown)}; "
            f"allowed: {', '.join(allowed)}"
        )


def _required_str(data: Mapping, key: str, where: str, hint: str = "") -> str:
    if key not in data or data[key] is None:
        raise CodebookError(f"{where}: missing field {key!r}")
    value = data[key]
    if not isinstance(value, str):
        raise CodebookError(
            f"{where}: field {key!r} must be a string, got {type(value).__name__}{hint}"
        )
    if not value.strip():
        raise CodebookError(f"{where}: field {key!r} is empty")
    return value.strip()


def _check_language(lang: object, where: str) -> str:
    if lang not in LANGUAGES:
        raise CodebookError(f"{where}: language key {lang!r} is not one of {', '.join(LANGUAGES)}")
    return str(lang)


def _ordered(mapping: dict) -> dict:
    """Languages in the canonical order, so to_dict and output are stable."""
    return {lang: mapping[lang] for lang in LANGUAGES if lang in mapping}


def _per_language_str(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise CodebookError(f"{where} must map languages to text, got {type(value).__name__}")
    out: dict[str, str] = {}
    for lang, text in value.items():
        _check_language(lang, where)
        if not isinstance(text, str):
            raise CodebookError(
                f"{where}: value for {lang!r} must be a string, got {type(text).__name__}"
            )
        out[lang] = text.strip()
    return _ordered(out)


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise CodebookError(f"{where} must be a list of strings, got {type(value).__name__}")
    items: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise CodebookError(
                f"{where} must contain only strings, found {type(item).__name__} {item!r}"
            )
        if item.strip():
            items.append(item.strip())
    return tuple(items)


def _code_from_dict(raw: object, where: str) -> Code:
    if not isinstance(raw, Mapping):
        raise CodebookError(f"{where} must be a mapping, got {type(raw).__name__}")
    if "id" not in raw or raw["id"] is None:
        raise CodebookError(f"{where}: missing field 'id'")
    if not isinstance(raw["id"], str) or not raw["id"].strip():
        raise CodebookError(f"{where}: field 'id' must be a non-empty string, got {raw['id']!r}")
    code_id = raw["id"].strip()
    where = f"{where.rsplit(', code #', 1)[0]}, code {code_id!r}"
    _no_unknown_keys(raw, _CODE_KEYS, where)
    if "label" not in raw:
        raise CodebookError(f"{where}: missing field 'label'")
    label = _per_language_str(raw["label"], f"{where}: field 'label'")
    if not any(label.values()):
        raise CodebookError(f"{where}: field 'label' needs at least one language")
    description = _per_language_str(raw.get("description", {}), f"{where}: field 'description'")
    raw_keywords = raw.get("keywords", {})
    if raw_keywords is None:
        raw_keywords = {}
    if not isinstance(raw_keywords, Mapping):
        raise CodebookError(
            f"{where}: field 'keywords' must map languages to lists of strings, "
            f"got {type(raw_keywords).__name__}"
        )
    keywords: dict[str, tuple[str, ...]] = {}
    for lang, words in raw_keywords.items():
        _check_language(lang, f"{where}: field 'keywords'")
        keywords[lang] = _str_list(words, f"{where}: field 'keywords' for {lang!r}")
    examples = _str_list(raw.get("examples") or [], f"{where}: field 'examples'")
    return Code(
        id=code_id,
        label=label,
        description=description,
        keywords=_ordered(keywords),
        examples=examples,
    )
