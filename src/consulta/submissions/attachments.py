"""Inspect files that respondents attach to a submission.

Pure Python, no Django: the caller passes the limits (usually read from settings) and wires the
result into models and views.

The type of a file is decided from its *content* only. The name the browser sent and the content
type it claimed are never trusted: a Word document called ``paper.pdf`` is a Word document, and
gets the name ``paper.docx``.

Accepted kinds:

``pdf``
    ``%PDF-`` header (after at most 1 KB of whitespace or a byte-order mark) and a successful
    parse by pypdf.
``docx``
    A ZIP package whose ``[Content_Types].xml`` declares ``/word/document.xml`` as a
    WordprocessingML main document. Macro-enabled documents are refused.
``odt``
    A ZIP package whose first entry ``mimetype`` holds exactly
    ``application/vnd.oasis.opendocument.text`` and which has ``content.xml``.
``txt``
    UTF-8 (with or without BOM) or UTF-16 with BOM, no NUL, mostly printable, and not starting
    like a web page or an XML document (files that a browser could sniff as HTML are refused,
    because text attachments may be served to the public).

Rejections raise :class:`AttachmentRejected` with a machine ``code`` and a polite English
``message``; ``template`` and ``params`` let the caller translate the message.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import unicodedata
import zipfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.etree import ElementTree  # noqa: S405 - only parsed after refusing DTDs, see _safe_xml

__all__ = [
    "ALLOWED_KINDS",
    "CONTENT_TYPES",
    "AttachmentRejected",
    "InspectedFile",
    "human_size",
    "inspect_upload",
    "sanitise_filename",
]

ALLOWED_KINDS: tuple[str, ...] = ("pdf", "docx", "odt", "txt")

CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    # Serve it as "text/plain; charset=utf-8": a UTF-16 file keeps its BOM, which browsers
    # honour over the charset parameter.
    "txt": "text/plain",
}

KIND_LABELS: dict[str, str] = {
    "pdf": "PDF",
    "docx": "Word (.docx)",
    "odt": "OpenDocument Text (.odt)",
    "txt": "plain text (.txt)",
}

TEXT_EXTRACTED = "extracted"
TEXT_EMPTY = "empty"
TEXT_TRUNCATED = "truncated"

# Limits that protect the server. Module constants so that the lead can tune them in one place.
MAX_PDF_PAGES = 500
PDF_TIME_BUDGET_S = 60.0  # stop extracting text (status "truncated") after this long
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_RATIO = 50
ZIP_RATIO_FLOOR = 100 * 1024 * 1024  # a ratio above ZIP_MAX_RATIO is refused only above this
PDF_HEADER_WINDOW = 1024

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_UTF8_BOM = b"\xef\xbb\xbf"

_WML_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"


# --------------------------------------------------------------------------------------------
# Errors


class AttachmentRejected(ValueError):
    """An upload that cannot be accepted, with a message for the person who sent it.

    ``code`` is stable and machine-readable; ``template`` is the English sentence with
    ``%(name)s``-style placeholders (wrap it in gettext and interpolate ``params``);
    ``message`` (also ``str(exc)``) is the interpolated English sentence.
    """

    def __init__(self, code: str, template: str, **params: object) -> None:
        self.code = code
        self.template = template
        self.params: dict[str, object] = dict(params)
        self.message = template % self.params
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # picklable, for task queues that move exceptions between processes
        return (_rebuild_rejection, (self.code, self.template, self.params))

    def __repr__(self) -> str:
        return f"AttachmentRejected(code={self.code!r}, message={self.message!r})"


def _rebuild_rejection(code: str, template: str, params: dict) -> AttachmentRejected:
    return AttachmentRejected(code, template, **params)


def gettext_noop(message: str) -> str:
    """Marks the messages below for translation (makemessages finds them) without importing Django."""
    return message


T_TOO_LARGE = gettext_noop("“%(name)s” is %(size)s; the limit is %(limit)s per file.")
T_TOO_LARGE_UNKNOWN = gettext_noop("“%(name)s” is larger than the limit of %(limit)s per file.")
T_EMPTY = gettext_noop(
    "“%(name)s” is empty. Please check that you chose the right file and upload it again."
)
T_NOT_ALLOWED = gettext_noop(
    "“%(name)s” is not a type of file we accept. Please upload %(allowed)s."
)
T_MACROS = gettext_noop(
    "“%(name)s” contains macros, which we do not accept. Please save it as a Word "
    "document (.docx) or as PDF and upload it again."
)
T_HTML = gettext_noop(
    "“%(name)s” looks like a web page or other markup, which we do not accept. Please save "
    "it as PDF or as plain text and upload it again."
)
T_NOT_UTF8 = gettext_noop(
    "“%(name)s” looks like a text file, but it is not saved as UTF-8. Please save it with "
    "UTF-8 encoding (or as PDF or Word) and upload it again."
)
T_CORRUPT = gettext_noop(
    "“%(name)s” could not be read; it may be damaged. Please save it again and upload it."
)
T_ENCRYPTED = gettext_noop(
    "“%(name)s” is password-protected. Please remove the password and upload it again."
)
T_ENCRYPTED_UNREADABLE = gettext_noop(
    "“%(name)s” is protected with encryption that we cannot read. Please save an "
    "unprotected copy (for example with “Print to PDF”) and upload it again."
)
T_OLE = gettext_noop(
    "“%(name)s” is password-protected or is an old Word .doc file. Please remove the "
    "password, or save it as a Word document (.docx) or as PDF, and upload it again."
)


def _allowed_phrase(allowed: Collection[str]) -> str:
    labels = [KIND_LABELS[k] for k in ALLOWED_KINDS if k in allowed]
    if not labels:
        return "a file of an accepted type"
    if len(labels) == 1:
        return f"a {labels[0]} file"
    return "a " + ", ".join(labels[:-1]) + " or " + labels[-1] + " file"


def _corrupt(name: str) -> AttachmentRejected:
    return AttachmentRejected("corrupt", T_CORRUPT, name=name)


@contextmanager
def _parsing(name: str) -> Iterator[None]:
    """Turn any parser failure into a polite ``corrupt`` rejection.

    Third-party parsers raise many exception types on damaged input (pypdf alone has a dozen,
    plus KeyError, ValueError, struct.error, zlib.error, RecursionError...). MemoryError and
    everything that is not an Exception (KeyboardInterrupt, SystemExit) propagate.
    """
    try:
        yield
    except (AttachmentRejected, MemoryError):
        raise
    except Exception as exc:
        raise _corrupt(name) from exc


# --------------------------------------------------------------------------------------------
# Sizes and names


def human_size(n: int, *, decimals: int = 1) -> str:
    """``1536`` → ``"1.5 KB"``; binary multiples with the usual labels, like Django's
    ``filesizeformat``; a trailing ``.0`` is dropped (``"20 MB"``)."""
    if n < 1024:
        return "1 byte" if n == 1 else f"{n} bytes"
    value = float(n)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            break
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {unit}"


_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_BIDI_CONTROLS |= {"\u200e", "\u200f", "\u061c"}  # LRM, RLM, ALM: invisible, drop them too
_JOINERS = {"\u200c", "\u200d"}  # ZWNJ / ZWJ: kept between letters (Persian, Indic scripts)
_WINDOWS_RESERVED = {
    "con", "prn", "aux", "nul",
    *(f"com{i}" for i in "123456789¹²³"),
    *(f"lpt{i}" for i in "123456789¹²³"),
}  # fmt: skip
_EXTENSION = re.compile(r"[A-Za-z0-9]{1,8}")
_MAX_NAME_BYTES = 240  # stay under the 255-byte limit of common file systems


def _is_wordish(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN"


def _clean_name_part(text: str) -> str:
    out: list[str] = []
    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        if ch in _BIDI_CONTROLS:
            continue
        if ch in _JOINERS:
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if before and after and _is_wordish(before) and _is_wordish(after):
                out.append(ch)
            continue
        if cat[0] in "LMN" or ch in "._-":
            out.append(ch)
        elif cat == "Pd":
            out.append("-")
        elif cat == "Zs" or ch in "\t\n\r\f\v":
            out.append(" ")
        elif cat[0] == "C":  # controls, formats, unassigned, surrogates, private use
            continue
        else:  # punctuation and symbols, including < > " ' & / \ : * ? | ; % ` $ ( ) ,
            out.append("_")
    cleaned = "".join(out)
    cleaned = re.sub(r"_+", "_", cleaned)
    cleaned = re.sub(r"_ | _", " ", cleaned)
    cleaned = re.sub(r" +", " ", cleaned)
    cleaned = re.sub(r"\.{2,}", ".", cleaned)
    return cleaned


def _trim(stem: str) -> str:
    stem = stem.strip(" ._-")
    while stem and stem[-1] in _JOINERS:
        stem = stem[:-1].rstrip(" ._-")
    return stem


def _cap(stem: str, suffix: str, max_length: int) -> str:
    limit = max(1, max_length - len(suffix))
    stem = stem[:limit]
    while stem and len((stem + suffix).encode("utf-8")) > _MAX_NAME_BYTES:
        stem = stem[:-1]
    return _trim(stem)


def sanitise_filename(name: str, *, kind: str | None = None, max_length: int = 120) -> str:
    """A file name that is safe to store, to show in HTML and to send in Content-Disposition.

    Keeps letters and marks of every script, digits, spaces, dots, dashes and underscores;
    drops directories, control and bidi-override characters and leading dots; turns other
    punctuation (including ``< > " ' &``) into ``_``; avoids Windows reserved names; caps the
    length (``max_length`` characters, and 240 UTF-8 bytes) while keeping the extension. With
    ``kind`` the extension becomes the kind's (``"report.exe"`` → ``"report.pdf"``).
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = _clean_name_part(name).strip(" ")
    name = name.lstrip(".").strip(" ")

    stem, dot, ext = name.rpartition(".")
    if not (dot and _EXTENSION.fullmatch(ext) and not ext.isdigit()):
        stem, ext = name, ""  # "v1.2" or "Dr. Smith" have no extension to replace
    if kind is not None:
        ext = re.sub(r"[^a-z0-9]", "", kind.lower()) or "bin"

    suffix = f".{ext}" if ext else ""
    stem = _cap(_trim(stem), suffix, max_length)
    if stem.split(".")[0].strip().lower() in _WINDOWS_RESERVED:
        stem = f"_{stem}"[: max(len(stem), max_length - len(suffix))]
    if not stem:
        stem = "attachment"
        if not suffix:
            return stem
    return stem + suffix


# --------------------------------------------------------------------------------------------
# Result


@dataclass(frozen=True)
class InspectedFile:
    kind: str  # "pdf" | "docx" | "odt" | "txt"
    content_type: str  # canonical MIME type for the kind
    safe_name: str  # sanitised, with the extension of the detected kind
    size: int
    sha256: str
    text: str = field(repr=False)  # extracted plain text, NFC; "" if none
    text_status: str  # "extracted" | "empty" | "truncated"


# --------------------------------------------------------------------------------------------
# Entry point


def inspect_upload(
    stream: BinaryIO,
    *,
    filename: str,
    max_bytes: int,
    allowed_kinds: Collection[str] = ALLOWED_KINDS,
    max_text_chars: int = 2_000_000,
    max_pdf_pages: int = MAX_PDF_PAGES,
) -> InspectedFile:
    """Read ``stream`` (at most ``max_bytes + 1`` bytes), decide its kind from the content,
    check it and extract its text. Raises :class:`AttachmentRejected`.

    When the stream is seekable it is rewound to where it was, ready to be saved.
    """
    unknown = set(allowed_kinds) - set(ALLOWED_KINDS)
    if unknown:
        raise ValueError(f"unsupported attachment kinds: {sorted(unknown)}")
    allowed = frozenset(allowed_kinds)
    shown = sanitise_filename(filename)

    start = _tell(stream)
    data = _read_limited(stream, max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(stream, start, shown, max_bytes)
    if start is not None:
        with suppress(OSError, ValueError):
            stream.seek(start)
    if not data:
        raise AttachmentRejected("empty", T_EMPTY, name=shown)

    kind, text, truncated = _inspect(data, shown, allowed, max_text_chars, max_pdf_pages)
    text = _clean_text(text)
    if len(text) > max_text_chars:
        text, truncated = text[:max_text_chars], True
    if truncated:
        status = TEXT_TRUNCATED
    elif text.strip():
        status = TEXT_EXTRACTED
    else:
        status = TEXT_EMPTY
    return InspectedFile(
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        safe_name=sanitise_filename(filename, kind=kind),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        text=text,
        text_status=status,
    )


def _tell(stream: BinaryIO) -> int | None:
    try:
        if hasattr(stream, "seekable") and not stream.seekable():
            return None
        return stream.tell()
    except (AttributeError, OSError, ValueError):
        return None


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    buf = bytearray()
    while len(buf) < limit:
        chunk = stream.read(min(limit - len(buf), 1 << 20))
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def _too_large(stream: BinaryIO, start: int | None, shown: str, max_bytes: int):
    size = getattr(stream, "size", None)
    if not isinstance(size, int) and start is not None:
        try:
            size = stream.seek(0, io.SEEK_END) - start
            stream.seek(start)
        except (OSError, ValueError, TypeError):
            size = None
    limit = human_size(max_bytes)
    if isinstance(size, int) and size > max_bytes:
        for decimals in (1, 2):
            shown_size = human_size(size, decimals=decimals)
            if shown_size != limit:
                return AttachmentRejected(
                    "too_large", T_TOO_LARGE, name=shown, size=shown_size, limit=limit
                )
    return AttachmentRejected("too_large", T_TOO_LARGE_UNKNOWN, name=shown, limit=limit)


def _not_allowed(shown: str, allowed: frozenset[str]) -> AttachmentRejected:
    return AttachmentRejected(
        "type_not_allowed",
        T_NOT_ALLOWED,
        name=shown,
        allowed=_allowed_phrase(allowed),  # English; "kinds" lets a caller build its own
        kinds=tuple(k for k in ALLOWED_KINDS if k in allowed),
    )


def _inspect(
    data: bytes, shown: str, allowed: frozenset[str], max_chars: int, max_pages: int
) -> tuple[str, str, bool]:
    pdf_at = _pdf_offset(data)
    if pdf_at is not None:
        if "pdf" not in allowed:
            raise _not_allowed(shown, allowed)
        text, truncated = _pdf_text(data[pdf_at:], shown, max_chars, max_pages)
        return "pdf", text, truncated

    if data.startswith(_OLE_MAGIC):
        if "docx" not in allowed:
            raise _not_allowed(shown, allowed)
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise AttachmentRejected("encrypted", T_ENCRYPTED, name=shown)
        raise AttachmentRejected("encrypted", T_OLE, name=shown)

    if data.startswith(_ZIP_MAGIC):
        return _inspect_zip(data, shown, allowed, max_chars)

    if "txt" not in allowed:
        raise _not_allowed(shown, allowed)
    text = _decode_text(data, shown, allowed)
    return "txt", text, False


# --------------------------------------------------------------------------------------------
# PDF


def _pdf_offset(data: bytes) -> int | None:
    at = data.find(b"%PDF-", 0, PDF_HEADER_WINDOW + 5)
    if at < 0:
        return None
    prefix = data[:at]
    if prefix.startswith(_UTF8_BOM):
        prefix = prefix[len(_UTF8_BOM) :]
    if prefix.strip(b" \t\r\n\f\x00"):
        return None  # something else (for instance markup) comes first: not a PDF for us
    return at


def _pdf_text(data: bytes, shown: str, max_chars: int, max_pages: int) -> tuple[str, bool]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    with _parsing(shown):
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                decrypted = reader.decrypt("")
            except DependencyError:
                raise AttachmentRejected("encrypted", T_ENCRYPTED_UNREADABLE, name=shown) from None
            if not decrypted:  # PasswordType.NOT_DECRYPTED == 0
                raise AttachmentRejected("encrypted", T_ENCRYPTED, name=shown)
        pages = reader.pages
        count = len(pages)
        if count == 0:
            raise _corrupt(shown)

    truncated = count > max_pages
    deadline = time.monotonic() + PDF_TIME_BUDGET_S
    parts: list[str] = []
    total = 0
    failures = 0
    attempted = 0
    for index in range(min(count, max_pages)):
        if time.monotonic() > deadline or total > max_chars:
            truncated = True
            break
        attempted += 1
        try:
            page_text = pages[index].extract_text() or ""
        except (AttachmentRejected, MemoryError):
            raise
        except Exception:  # one odd page (a font pypdf cannot map) must not sink the file
            failures += 1
            continue
        parts.append(page_text)
        total += len(page_text)
    if attempted and failures == attempted:
        raise _corrupt(shown)
    return "\n\n".join(parts), truncated


# --------------------------------------------------------------------------------------------
# ZIP packages (DOCX, ODT)


def _inspect_zip(
    data: bytes, shown: str, allowed: frozenset[str], max_chars: int
) -> tuple[str, str, bool]:
    with _parsing(shown):
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    if not infos or len(infos) > ZIP_MAX_ENTRIES:
        raise _corrupt(shown)
    uncompressed = sum(info.file_size for info in infos)
    if uncompressed > ZIP_RATIO_FLOOR and uncompressed > ZIP_MAX_RATIO * len(data):
        raise _corrupt(shown)
    names = {info.filename for info in infos}

    with _parsing(shown):
        if infos[0].filename == "mimetype":
            mimetype = _read_member(archive, infos[0], limit=256)
            if mimetype != _ODT_MIMETYPE or "content.xml" not in names:
                raise _not_allowed(shown, allowed)
            if "odt" not in allowed:
                raise _not_allowed(shown, allowed)
            if any(info.flag_bits & 0x1 for info in infos):
                raise AttachmentRejected("encrypted", T_ENCRYPTED, name=shown)
            return "odt", *_odt_text(archive, names, shown, max_chars)

        if "[Content_Types].xml" not in names or "word/document.xml" not in names:
            raise _not_allowed(shown, allowed)
        types = _safe_xml(_read_member(archive, archive.getinfo("[Content_Types].xml")), shown)
        overrides = {
            (el.get("PartName") or "").lower(): el.get("ContentType") or ""
            for el in types.iter(f"{_CT_NS}Override")
        }
        defaults = {
            (el.get("Extension") or "").lower(): el.get("ContentType") or ""
            for el in types.iter(f"{_CT_NS}Default")
        }
        declared = [*overrides.values(), *defaults.values()]
        if any("macroenabled" in t.lower() for t in declared) or any(
            n.lower().endswith("vbaproject.bin") for n in names
        ):
            if "docx" not in allowed:
                raise _not_allowed(shown, allowed)
            raise AttachmentRejected("type_not_allowed", T_MACROS, name=shown)
        if overrides.get("/word/document.xml") != _WML_MAIN or "docx" not in allowed:
            raise _not_allowed(shown, allowed)
        if any(info.flag_bits & 0x1 for info in infos):
            raise AttachmentRejected("encrypted", T_ENCRYPTED, name=shown)
        for info in infos:
            name = info.filename.lower()
            declared_type = overrides.get(f"/{name}") or defaults.get(name.rpartition(".")[2], "")
            if not declared_type.startswith("image/"):  # SVG images may carry a DOCTYPE
                _refuse_dtd(archive, info, shown)
        return "docx", *_docx_text(data, max_chars)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int | None = None):
    with archive.open(info) as member:
        return member.read() if limit is None else member.read(limit)


def _refuse_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> None:
    """Scan one member, streaming, for a DTD (the door to entity expansion and XXE)."""
    if info.is_dir():
        return
    tail = b""
    is_xml = info.filename.lower().endswith((".xml", ".rels"))
    with archive.open(info) as member:
        first = True
        while chunk := member.read(1 << 16):
            wide = chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in chunk[:4]
            if first and is_xml and wide:
                raise _corrupt(shown)  # UTF-16/32 XML: our byte scan would not see a DTD
            first = False
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise _corrupt(shown)
            tail = window[-16:]


def _safe_xml(raw: bytes, shown: str) -> ElementTree.Element:
    """Parse XML with the standard library after refusing any DTD.

    Without a DTD there are no entity declarations, so no entity expansion ("billion laughs")
    and no external entities; encodings that would hide the markup from the byte scan
    (UTF-16/32) are refused too. ODF and OOXML parts are UTF-8 in practice.
    """
    head = raw[:4]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head:
        raise _corrupt(shown)
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise _corrupt(shown)
    return ElementTree.fromstring(raw)  # noqa: S314 - DTDs refused above


# DOCX ----------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


class _Budget:
    """Stops text collection once enough has been gathered."""

    def __init__(self, max_chars: int) -> None:
        self.left = max_chars + 1
        self.exhausted = False

    def take(self, text: str) -> bool:
        self.left -= len(text) + 1
        if self.left < 0:
            self.exhausted = True
        return not self.exhausted


def _docx_text(data: bytes, max_chars: int) -> tuple[str, bool]:
    import docx  # python-docx parses with lxml, resolve_entities=False

    document = docx.Document(io.BytesIO(data))
    budget = _Budget(max_chars)
    lines: list[str] = []
    _w_blocks(document.element.body, lines, budget)
    for part in document.part.package.iter_parts():
        if str(part.partname) in ("/word/footnotes.xml", "/word/endnotes.xml"):
            element = getattr(part, "element", None)
            if element is None:
                from docx.oxml.parser import parse_xml

                element = parse_xml(part.blob)
            notes: list[str] = []
            for note in element:
                if note.get(f"{_W}type") in ("separator", "continuationSeparator"):
                    continue
                _w_blocks(note, notes, budget)
            if any(line.strip() for line in notes):
                lines.extend(["", *notes])
    return "\n".join(lines), budget.exhausted


def _w_blocks(container, lines: list[str], budget: _Budget) -> None:
    for child in container:
        if budget.exhausted:
            return
        tag = child.tag
        if tag == f"{_W}p":
            _w_paragraph(child, lines, budget)
        elif tag == f"{_W}tbl":
            for row in child.iter(f"{_W}tr"):
                if row.getparent() is not child:
                    continue  # rows of nested tables are reached through their cells
                cells: list[list[str]] = []
                for cell in row.findall(f"{_W}tc"):
                    cell_lines: list[str] = []
                    _w_blocks(cell, cell_lines, budget)
                    cells.append(cell_lines)
                if all(len(c) <= 1 for c in cells):
                    line = "\t".join(c[0] if c else "" for c in cells).strip()
                    lines.append(line)
                else:
                    for cell_lines in cells:
                        lines.extend(cell_lines)
        elif tag in (f"{_W}sectPr", _MC_FALLBACK, f"{_W}del", f"{_W}moveFrom"):
            continue
        elif isinstance(tag, str):
            _w_blocks(child, lines, budget)  # content controls, custom XML, insertions...


def _w_paragraph(paragraph, lines: list[str], budget: _Budget) -> None:
    nested: list = []
    parts: list[str] = []

    def inline(element) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag == f"{_W}t":
                parts.append(child.text or "")
            elif tag == f"{_W}tab":
                parts.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
            elif tag == f"{_W}noBreakHyphen":
                parts.append("-")
            elif tag == f"{_W}p":
                nested.append(child)  # a paragraph inside a text box: its own line, after
            elif tag in (_MC_FALLBACK, f"{_W}del", f"{_W}moveFrom", f"{_W}instrText"):
                continue
            else:
                inline(child)

    inline(paragraph)
    text = "".join(parts)
    if budget.take(text):
        lines.append(text)
    for inner in nested:
        if budget.exhausted:
            return
        _w_paragraph(inner, lines, budget)


# ODT -----------------------------------------------------------------------------------------

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODT_SKIP = {
    f"{_OFFICE}annotation",
    f"{_OFFICE}annotation-end",
    f"{_TEXT}tracked-changes",
    f"{_TEXT}note-citation",
    f"{_TEXT}sequence-decls",
    f"{_TEXT}variable-decls",
    f"{_TEXT}user-field-decls",
    f"{_OFFICE}forms",
}


def _odt_text(
    archive: zipfile.ZipFile, names: set[str], shown: str, max_chars: int
) -> tuple[str, bool]:
    if "META-INF/manifest.xml" in names:
        manifest = _read_member(archive, archive.getinfo("META-INF/manifest.xml"))
        if b"encryption-data" in manifest:
            raise AttachmentRejected("encrypted", T_ENCRYPTED, name=shown)
    root = _safe_xml(_read_member(archive, archive.getinfo("content.xml")), shown)
    body = root.find(f"{_OFFICE}body")
    budget = _Budget(max_chars)
    lines: list[str] = []
    _odt_blocks(body if body is not None else root, lines, budget)
    return "\n".join(lines), budget.exhausted


def _odt_blocks(container: ElementTree.Element, lines: list[str], budget: _Budget) -> None:
    for child in container:
        if budget.exhausted:
            return
        if child.tag in (f"{_TEXT}p", f"{_TEXT}h"):
            _odt_paragraph(child, lines, budget)
        elif child.tag not in _ODT_SKIP:
            _odt_blocks(child, lines, budget)  # sections, lists, tables, frames...


def _odt_paragraph(paragraph: ElementTree.Element, lines: list[str], budget: _Budget) -> None:
    nested: list[ElementTree.Element] = []
    parts: list[str] = []

    def inline(element: ElementTree.Element) -> None:
        parts.append(element.text or "")
        for child in element:
            tag = child.tag
            if tag == f"{_TEXT}s":
                try:
                    count = int(child.get(f"{_TEXT}c") or 1)
                except ValueError:
                    count = 1
                parts.append(" " * max(1, min(count, 1000)))
            elif tag == f"{_TEXT}tab":
                parts.append("\t")
            elif tag == f"{_TEXT}line-break":
                parts.append("\n")
            elif tag in (f"{_TEXT}p", f"{_TEXT}h"):
                nested.append(child)  # footnote bodies, text boxes: own lines, after
            elif tag not in _ODT_SKIP:
                inline(child)
            parts.append(child.tail or "")

    inline(paragraph)
    text = "".join(parts)
    if budget.take(text):
        lines.append(text)
    for inner in nested:
        if budget.exhausted:
            return
        _odt_paragraph(inner, lines, budget)


# --------------------------------------------------------------------------------------------
# Plain text

# What browsers sniff as HTML (WHATWG MIME Sniffing, "identify an unknown MIME type"), plus XML
# and SVG. Followed by a space or ">" to count.
_HTML_STARTS = re.compile(
    r"<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p"
    r"|svg|object|embed|meta|link|form|img)[\s/>]|<!--|<\?xml",
    re.IGNORECASE,
)
# Legacy browsers looked further than the first tag; refuse these anywhere near the start.
_HTML_ANYWHERE = re.compile(r"<(?:script|html|body|iframe|svg|object|embed)[\s/>]", re.I)
_OTHER_FORMATS = ("{\\rtf", "%!PS", "%FDF-")


def _decode_text(data: bytes, shown: str, allowed: frozenset[str]) -> str:
    if data.startswith(_UTF8_BOM):
        encoding, body = "utf-8", data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        if data.startswith(b"\xff\xfe\x00\x00"):
            raise _not_allowed(shown, allowed)  # UTF-32: not accepted
        encoding, body = ("utf-16-le" if data[0] == 0xFF else "utf-16-be"), data[2:]
    else:
        if b"\x00" in data:
            raise _not_allowed(shown, allowed)
        encoding, body = "utf-8", data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        if encoding == "utf-8" and _looks_like_legacy_text(data):
            raise AttachmentRejected("type_not_allowed", T_NOT_UTF8, name=shown) from None
        raise _not_allowed(shown, allowed) from None
    if "\x00" in text or not _mostly_printable(text):
        raise _not_allowed(shown, allowed)
    head = text[:1024].lstrip().lstrip("\ufeff").lstrip()
    if _HTML_STARTS.match(head) or _HTML_ANYWHERE.search(text[:1024]):
        raise AttachmentRejected("type_not_allowed", T_HTML, name=shown)
    if head.startswith(_OTHER_FORMATS):
        raise _not_allowed(shown, allowed)
    if not text.strip():
        raise AttachmentRejected("empty", T_EMPTY, name=shown)
    return text


def _mostly_printable(text: str) -> bool:
    sample = text[:200_000]
    bad = 0
    for ch in sample:
        if ch in "\t\n\r\f\v":
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs", "Cn"):
            bad += 1
    return bad <= len(sample) * 0.01


def _looks_like_legacy_text(data: bytes) -> bool:
    """Windows-1252/1256, ISO-8859-x...: no NUL, few C0 controls."""
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 0x20 and b not in (9, 10, 12, 13))
    return b"\x00" not in sample and controls <= len(sample) * 0.01


# --------------------------------------------------------------------------------------------
# Text clean-up

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_TRAILING_SPACE = re.compile(r"[ \t\u00a0\u3000]+\n")
_MANY_BLANKS = re.compile(r"\n(?:[ \t]*\n){3,}")


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = text.lstrip("\ufeff")
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING_SPACE.sub("\n", text)
    text = _MANY_BLANKS.sub("\n\n\n", text)  # at most two blank lines in a row
    return text.strip()
