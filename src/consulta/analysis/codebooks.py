"""Analysts' custom codebooks: create, edit, import and export (DESIGN.md's YAML format), and themes
accepted from discovery as codes.

The YAML stored is always what ``synthesis.codebook.Codebook.from_dict`` accepted and wrote back, so
a stored codebook always loads; its ``id`` is the codebook's slug, which is what runs and code rows
refer to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from consulta.accounts.actors import person
from consulta.analysis.models import BUILTIN_CODEBOOKS, CustomCodebook, Theme
from consulta.analysis.services import _audit, _require_analyst
from synthesis.codebook import Codebook, CodebookError


def dump(book: Codebook) -> str:
    return yaml.safe_dump(book.to_dict(), allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)


def parse(text: str) -> Codebook:
    """Validate YAML text as a codebook; raises ValidationError with the reason, never a traceback."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(_("This is not valid YAML: %(error)s") % {"error": str(exc).splitlines()[0]}) from None
    try:
        return Codebook.from_dict(data)
    except CodebookError as exc:
        raise ValidationError(str(exc)) from None


def _check_slug(slug: str) -> str:
    slug = (slug or "").strip()
    if not slug or slugify(slug) != slug.lower() or len(slug) > 80:
        raise ValidationError(
            _("“%(slug)s” cannot be a codebook identifier: use lower-case letters, digits and hyphens.") % {"slug": slug}
        )
    if slug in BUILTIN_CODEBOOKS:
        raise ValidationError(_("“%(slug)s” is a built-in codebook; choose another identifier.") % {"slug": slug})
    return slug


def load(row: CustomCodebook) -> Codebook:
    return Codebook.from_dict(yaml.safe_load(row.yaml))


def as_form_data(row: CustomCodebook) -> dict:
    """The codebook as the edit form shows it (English fields; other languages kept as they are)."""
    book = load(row)
    return {
        "slug": row.slug,
        "title": book.title.get("en", "") or book.title_in("en"),
        "codes": [
            {
                "id": code.id,
                "label": code.label.get("en", "") or code.label_in("en"),
                "description": code.description.get("en", ""),
                "keywords": "\n".join(code.keywords.get("en", ())),
            }
            for code in book.codes
        ],
    }


def from_form(*, slug: str, title: str, codes: Sequence[Mapping], previous: Codebook | None = None) -> Codebook:
    """Build a codebook from the edit form (English texts); other languages of ``previous`` survive."""
    old = {c.id: c for c in previous.codes} if previous is not None else {}
    raw_codes = []
    for item in codes:
        code_id = (item.get("id") or "").strip()
        if not code_id:
            continue
        before = old.get(code_id)
        label = dict(before.label) if before else {}
        description = dict(before.description) if before else {}
        keywords = {lang: list(words) for lang, words in before.keywords.items()} if before else {}
        label["en"] = (item.get("label") or "").strip() or label.get("en", "") or code_id
        description_en = (item.get("description") or "").strip()
        if description_en:
            description["en"] = description_en
        else:
            description.pop("en", None)
        words = [w.strip() for w in (item.get("keywords") or "").splitlines() if w.strip()]
        if words:
            keywords["en"] = words
        else:
            keywords.pop("en", None)
        raw = {"id": code_id, "label": label, "description": description, "keywords": keywords}
        if before and before.examples:
            raw["examples"] = list(before.examples)
        raw_codes.append(raw)
    title_map = dict(previous.title) if previous is not None else {}
    title_map["en"] = (title or "").strip() or slug
    version = previous.version if previous is not None else "1"
    try:
        return Codebook.from_dict({"id": slug, "version": version, "title": title_map, "codes": raw_codes})
    except CodebookError as exc:
        raise ValidationError(str(exc)) from None


@transaction.atomic
def codebook_save(*, actor, book: Codebook, call=None, replace: bool = True) -> CustomCodebook:
    """Store a validated codebook under its id (created or replaced), audited."""
    _require_analyst(actor)
    slug = _check_slug(book.id)
    row = CustomCodebook.objects.select_for_update().filter(slug=slug).first()
    if row is not None and not replace:
        raise ValidationError(_("A codebook “%(slug)s” exists already.") % {"slug": slug})
    text = dump(book)
    before = None
    if row is None:
        row = CustomCodebook.objects.create(slug=slug, yaml=text, call=call, created_by=person(actor))
    else:
        before = {"codes": list(load(row).code_ids)}
        row.yaml = text
        if call is not None and row.call_id is None:
            row.call = call
        row.save()
    _audit(run=None, actor=actor, action="codebook_saved", target=f"codebook {slug}", before=before,
           after={"codes": list(book.code_ids)})
    return row


def codebook_import(*, actor, text: str, call=None) -> CustomCodebook:
    return codebook_save(actor=actor, book=parse(text), call=call)


@transaction.atomic
def codebook_delete(*, actor, row: CustomCodebook) -> None:
    _require_analyst(actor)
    slug = row.slug
    before = {"codes": list(load(row).code_ids)}
    row.delete()
    _audit(run=None, actor=actor, action="codebook_deleted", target=f"codebook {slug}", before=before, after=None)


def themes_codebook_slug(call) -> str:
    return f"{call.slug}-themes"


def _unique_code_id(label: str, taken: set[str]) -> str:
    base = slugify(label)[:60] or "theme"
    code_id, n = base, 2
    while code_id in taken:
        code_id, n = f"{base}-{n}", n + 1
    return code_id


@transaction.atomic
def theme_accept(*, actor, theme: Theme, slug: str | None = None) -> tuple[CustomCodebook, str]:
    """Add a candidate theme as a code of the call's custom codebook (created if needed)."""
    _require_analyst(actor)
    call = theme.run.call
    slug = _check_slug(slug or themes_codebook_slug(call))
    row = CustomCodebook.objects.select_for_update().filter(slug=slug).first()
    if row is None:
        data = {"id": slug, "version": "1", "title": {"en": f"Themes of {call.slug}"}, "codes": []}
    else:
        data = load(row).to_dict()
    code_id = _unique_code_id(theme.label, {c["id"] for c in data["codes"]})
    data["codes"].append(
        {"id": code_id, "label": {"en": theme.label}, "description": {},
         "keywords": {"en": [k for k in theme.keywords if isinstance(k, str) and k.strip()]}}
    )
    try:
        book = Codebook.from_dict(data)
    except CodebookError as exc:
        raise ValidationError(str(exc)) from None
    before_codes = list(load(row).code_ids) if row is not None else None
    if row is None:
        row = CustomCodebook.objects.create(slug=slug, yaml=dump(book), call=call, created_by=person(actor))
    else:
        row.yaml = dump(book)
        row.save()
    previous_state = theme.state
    theme.state = Theme.State.ACCEPTED
    theme.save(update_fields=["state"])
    _audit(run=theme.run, actor=actor, action="theme_accepted", target=theme.key,
           before={"state": previous_state, "codes": before_codes},
           after={"state": theme.state, "codebook": slug, "code": code_id})
    return row, code_id
