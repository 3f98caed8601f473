"""Attachments: the type comes from the content, damaged or dangerous files are refused politely.

Every file is built here, in the test: fpdf2 for PDFs, python-docx for DOCX, zipfile for ODT and
for malformed packages, plain bytes for the rest. No database, no Django.
"""

from __future__ import annotations

import io
import subprocess
import sys
import unicodedata
import zipfile

import pytest

from consulta.submissions.attachments import (
    ALLOWED_KINDS,
    CONTENT_TYPES,
    AttachmentRejected,
    human_size,
    inspect_upload,
    sanitise_filename,
)

MB = 1024 * 1024
ARABIC = "تؤكد الوزارة أهمية الربط الشبكي في المناطق الريفية."
CHINESE = "我们支持扩大农村地区的互联网接入。"
FRENCH = "Les écoles rurales ont besoin d’une connexion fiable à l’Internet."


# --------------------------------------------------------------------------------------------
# Builders


def make_pdf(*pages: str, encrypt: dict | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 10, text)
        else:
            pdf.rect(20, 20, 80, 60)  # a drawing, no text: what a scan looks like to us
    if encrypt:
        pdf.set_encryption(**encrypt)
    return bytes(pdf.output())


def make_docx(*paragraphs: str, table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Position paper", level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.add_paragraph("Closing remarks.")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


ODT_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'office:version="1.3"'
)
ODT_BODY = (
    "<text:h text:outline-level='1'>Contribution</text:h>"
    "<text:p>First<text:s text:c='2'/>point<text:note text:note-class='footnote'>"
    "<text:note-citation>1</text:note-citation><text:note-body>"
    "<text:p>A footnote.</text:p></text:note-body></text:note>.</text:p>"
    "<text:list><text:list-item><text:p>Listed item</text:p></text:list-item></text:list>"
    "<table:table><table:table-row><table:table-cell><text:p>Cell A</text:p></table:table-cell>"
    "<table:table-cell><text:p>Cell B</text:p></table:table-cell></table:table-row></table:table>"
    "<office:annotation><text:p>Reviewer comment</text:p></office:annotation>"
    "<text:p>Last <text:span>words</text:span><text:tab/>here</text:p>"
)


def make_odt(
    body: str = ODT_BODY,
    *,
    mimetype: bytes = b"application/vnd.oasis.opendocument.text",
    prolog: str = "",
    manifest_extra: str = "",
) -> bytes:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f"<office:document-content {ODT_NS}><office:body><office:text>"
        f"{body}</office:text></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        f"{manifest_extra}</manifest:file-entry></manifest:manifest>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def rezip(data: bytes, *, replace: dict[str, bytes] | None = None, add=None) -> bytes:
    """Copy a package, replacing or adding members."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, replace.get(info.filename, src.read(info)))
        for name, blob in (add or {}).items():
            dst.writestr(name, blob)
    return out.getvalue()


def inspect(data: bytes, filename: str = "paper.bin", **kwargs):
    kwargs.setdefault("max_bytes", 20 * MB)
    return inspect_upload(io.BytesIO(data), filename=filename, **kwargs)


def rejection(data: bytes, filename: str = "paper.bin", **kwargs) -> AttachmentRejected:
    with pytest.raises(AttachmentRejected) as caught:
        inspect(data, filename, **kwargs)
    exc = caught.value
    assert exc.template % exc.params == exc.message == str(exc)
    assert f"“{exc.params['name']}”" in exc.message
    return exc


# --------------------------------------------------------------------------------------------
# Accepted kinds


def test_it_reads_a_pdf_and_extracts_its_text():
    result = inspect(make_pdf("Rural schools need reliable access.", "Page deux : été."), "p.pdf")
    assert result.kind == "pdf"
    assert result.content_type == "application/pdf"
    assert result.safe_name == "p.pdf"
    assert result.text_status == "extracted"
    assert "Rural schools need reliable access." in result.text
    assert "Page deux : été." in result.text
    assert result.text.index("Rural") < result.text.index("deux")


def test_it_accepts_a_pdf_after_a_bom_and_whitespace_as_readers_do():
    result = inspect(b"\xef\xbb\xbf\r\n  " + make_pdf("Leading bytes are tolerated."), "x.pdf")
    assert result.kind == "pdf"
    assert "Leading bytes are tolerated." in result.text


def test_it_accepts_a_pdf_without_a_text_layer_with_status_empty():
    result = inspect(make_pdf("", ""), "scan.pdf")
    assert result.kind == "pdf"
    assert result.text == ""
    assert result.text_status == "empty"


def test_it_reads_a_docx_in_arabic_chinese_and_french_with_its_table():
    data = make_docx(ARABIC, CHINESE, FRENCH, table=[["Région", "Écoles"], ["Nord", "12"]])
    result = inspect(data, "مساهمة.docx")
    assert result.kind == "docx"
    assert result.content_type == CONTENT_TYPES["docx"]
    assert result.safe_name == "مساهمة.docx"
    assert result.text_status == "extracted"
    for text in ("Position paper", ARABIC, CHINESE, FRENCH, "Région\tÉcoles", "Nord\t12"):
        assert text in result.text
    assert result.text.index(FRENCH) < result.text.index("Nord") < result.text.index("Closing")


def test_it_detects_a_docx_named_pdf_as_a_docx_and_renames_it():
    result = inspect(make_docx("Named wrongly."), "Position paper.pdf")
    assert result.kind == "docx"
    assert result.safe_name == "Position paper.docx"
    assert "Named wrongly." in result.text


def test_it_reads_an_odt_in_document_order_without_comments():
    result = inspect(make_odt(), "contribution.odt")
    assert result.kind == "odt"
    assert result.content_type == "application/vnd.oasis.opendocument.text"
    lines = result.text.split("\n")
    assert lines == [
        "Contribution",
        "First  point.",
        "A footnote.",
        "Listed item",
        "Cell A",
        "Cell B",
        "Last words\there",
    ]
    assert "Reviewer comment" not in result.text


def test_it_reads_utf8_text_in_several_scripts():
    body = f"{ARABIC}\n{CHINESE}\n{FRENCH}\n"
    result = inspect(body.encode("utf-8"), "notes.txt")
    assert result.kind == "txt"
    assert result.content_type == "text/plain"
    assert result.text == body.strip()
    assert result.text_status == "extracted"


@pytest.mark.parametrize(
    "encoded",
    [
        b"\xef\xbb\xbf" + f"{FRENCH}\n{CHINESE}".encode(),
        b"\xff\xfe" + f"{FRENCH}\n{CHINESE}".encode("utf-16-le"),
        b"\xfe\xff" + f"{FRENCH}\n{CHINESE}".encode("utf-16-be"),
    ],
    ids=["utf-8-bom", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_it_reads_text_with_a_byte_order_mark(encoded):
    result = inspect(encoded, "notes.txt")
    assert result.kind == "txt"
    assert result.text == f"{FRENCH}\n{CHINESE}"


def test_it_normalises_text_to_nfc_and_collapses_blank_lines():
    decomposed = unicodedata.normalize("NFD", "Café à Genève")
    data = f"{decomposed}  \r\n\r\n\r\n\r\n\r\n\r\nSuite.\n".encode()
    result = inspect(data, "notes.txt")
    assert result.text == "Café à Genève\n\n\nSuite."
    assert unicodedata.is_normalized("NFC", result.text)


def test_it_reports_size_and_sha256_and_rewinds_the_stream():
    import hashlib

    data = FRENCH.encode()
    stream = io.BytesIO(data)
    result = inspect_upload(stream, filename="a.txt", max_bytes=1000)
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert stream.tell() == 0
    assert "text=" not in repr(result)  # the text can be megabytes: keep it out of logs


# --------------------------------------------------------------------------------------------
# Types that are refused


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, "report.pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32, "photo.txt"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "paper.docx"),
    ],
    ids=["exe", "png", "elf"],
)
def test_it_refuses_binary_files_listing_what_is_accepted(data, filename):
    exc = rejection(data, filename)
    assert exc.code == "type_not_allowed"
    assert exc.message == (
        f"“{filename}” is not a type of file we accept. Please upload a PDF, Word (.docx), "
        "OpenDocument Text (.odt) or plain text (.txt) file."
    )


@pytest.mark.parametrize(
    "markup",
    [
        "<!DOCTYPE html><html><body><p>Position</p></body></html>",
        "  <html>\n<script>alert(1)</script></html>",
        "<script>document.location='https://example.org'</script>",
        "<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'><script/></svg>",
        "Dear colleagues,\n<SCRIPT src=x></SCRIPT>",
    ],
)
def test_it_refuses_html_named_txt_because_text_may_be_served_to_the_public(markup):
    exc = rejection(markup.encode(), "position.txt")
    assert exc.code == "type_not_allowed"
    assert "web page" in exc.message


def test_it_accepts_text_that_merely_mentions_angle_brackets():
    result = inspect(b"Targets: coverage > 90% and cost < 2% of income.", "t.txt")
    assert result.kind == "txt"


def test_it_refuses_text_that_is_not_utf8_with_a_hint():
    exc = rejection("Contribution du ministère, été 2025".encode("cp1252"), "note.txt")
    assert exc.code == "type_not_allowed"
    assert "UTF-8" in exc.message


def test_it_refuses_an_xlsx_and_a_plain_zip():
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "numbers"
    buf = io.BytesIO()
    workbook.save(buf)
    assert rejection(buf.getvalue(), "sheet.docx").code == "type_not_allowed"

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert rejection(buf.getvalue(), "bundle.odt").code == "type_not_allowed"


def test_it_refuses_other_opendocument_types():
    data = make_odt(mimetype=b"application/vnd.oasis.opendocument.spreadsheet")
    assert rejection(data, "table.odt").code == "type_not_allowed"


def test_it_refuses_a_macro_enabled_docm():
    macro_type = "application/vnd.ms-word.document.macroEnabled.main+xml"
    data = make_docx("Enable content!")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    main_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    types = types.replace(main_type, macro_type)
    data = rezip(data, replace={"[Content_Types].xml": types.encode()})
    exc = rejection(data, "paper.docx")
    assert exc.code == "type_not_allowed"
    assert "macros" in exc.message

    plain_with_vba = rezip(make_docx("x"), add={"word/vbaProject.bin": b"\x00" * 64})
    assert "macros" in rejection(plain_with_vba, "paper.docx").message


def test_it_refuses_a_kind_the_caller_did_not_allow():
    exc = rejection(make_docx("Fine document."), "paper.docx", allowed_kinds=("pdf",))
    assert exc.code == "type_not_allowed"
    assert exc.message.endswith("Please upload a PDF file.")
    assert exc.params["allowed"] == "a PDF file"
    assert exc.params["kinds"] == ("pdf",)
    assert inspect(make_pdf("ok"), "x.pdf", allowed_kinds=("pdf",)).kind == "pdf"
    with pytest.raises(ValueError):
        inspect(b"text", "x.txt", allowed_kinds=("exe",))


# --------------------------------------------------------------------------------------------
# Damaged, protected, empty, oversize


def test_it_refuses_a_truncated_pdf_as_corrupt():
    data = make_pdf("Something long enough to matter. " * 20, "Second page.")
    exc = rejection(data[: len(data) // 2], "cut.pdf")
    assert exc.code == "corrupt"
    assert exc.message == (
        "“cut.pdf” could not be read; it may be damaged. Please save it again and upload it."
    )


def test_it_never_lets_a_parser_error_escape_on_damaged_files():
    samples = {
        "pdf": make_pdf("Alpha beta gamma.", "Delta."),
        "docx": make_docx(FRENCH),
        "odt": make_odt(),
    }
    for kind, data in samples.items():
        for cut in range(64, len(data), max(1, len(data) // 40)):
            damaged = data[:cut]
            try:
                result = inspect(damaged, f"x.{kind}")
            except AttachmentRejected as exc:
                assert exc.code in {"corrupt", "type_not_allowed"}, (kind, cut, exc.code)
            else:  # a cut that only lost trailing padding may still read fine
                assert result.kind in ALLOWED_KINDS
        flipped = bytearray(data)
        for i in range(200, len(flipped), 97):
            flipped[i] ^= 0x5A
        try:
            inspect(bytes(flipped), f"x.{kind}")
        except AttachmentRejected as exc:
            assert exc.code in {"corrupt", "type_not_allowed", "encrypted"}


def test_it_refuses_a_truncated_docx_as_corrupt():
    data = make_docx(FRENCH)
    assert rejection(data[: len(data) - 200], "cut.docx").code == "corrupt"


def test_it_refuses_a_password_protected_pdf():
    data = make_pdf("Secret text.", encrypt={"owner_password": "own", "user_password": "s3cret"})
    exc = rejection(data, "locked.pdf")
    assert exc.code == "encrypted"
    assert exc.message == (
        "“locked.pdf” is password-protected. Please remove the password and upload it again."
    )


def test_it_reads_a_pdf_protected_only_by_an_owner_password():
    result = inspect(make_pdf("Anyone may read this.", encrypt={"owner_password": "own"}))
    assert result.kind == "pdf"
    assert "Anyone may read this." in result.text


def test_it_refuses_an_ole_compound_file_as_protected_or_old_word():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    exc = rejection(ole + "WordDocument".encode("utf-16-le") + b"\x00" * 100, "paper.docx")
    assert exc.code == "encrypted"
    assert "password-protected or is an old Word .doc file" in exc.message

    encrypted = ole + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 100
    exc = rejection(encrypted, "paper.docx")
    assert exc.code == "encrypted"
    assert exc.message.startswith("“paper.docx” is password-protected.")


def test_it_refuses_an_encrypted_odt():
    extra = '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/>'
    exc = rejection(make_odt(manifest_extra=extra), "locked.odt")
    assert exc.code == "encrypted"


def test_it_refuses_an_empty_file():
    exc = rejection(b"", "nothing.pdf")
    assert exc.code == "empty"
    assert exc.message.startswith("“nothing.pdf” is empty.")
    assert rejection(b"\xef\xbb\xbf \n\n", "blank.txt").code == "empty"


def test_it_refuses_an_oversize_file_with_human_sizes():
    data = b"a" * int(12.4 * MB)
    exc = rejection(data, "big.txt", max_bytes=10 * MB)
    assert exc.code == "too_large"
    assert exc.message == "“big.txt” is 12.4 MB; the limit is 10 MB per file."
    assert exc.params == {"name": "big.txt", "size": "12.4 MB", "limit": "10 MB"}


class OneWayStream(io.RawIOBase):
    """A non-seekable upload stream that counts what was read from it."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._data.read(min(len(buffer), 1000))
        buffer[: len(chunk)] = chunk
        self.consumed += len(chunk)
        return len(chunk)


def test_it_reads_at_most_one_byte_past_the_limit():
    stream = OneWayStream(b"b" * 50_000)
    with pytest.raises(AttachmentRejected) as caught:
        inspect_upload(stream, filename="huge.txt", max_bytes=10_000)
    assert stream.consumed == 10_001
    assert caught.value.code == "too_large"
    assert caught.value.message == "“huge.txt” is larger than the limit of 9.8 KB per file."


def test_it_accepts_a_file_of_exactly_the_limit():
    assert inspect(b"c" * 4096, "edge.txt", max_bytes=4096).size == 4096


def test_it_refuses_a_zip_bomb_as_corrupt():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            zeros = b"\x00" * MB
            for _ in range(110):
                member.write(zeros)
    data = buf.getvalue()
    assert len(data) < MB
    assert rejection(data, "bomb.docx").code == "corrupt"


def test_it_refuses_a_zip_with_too_many_entries_as_corrupt():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        for i in range(10_001):
            archive.writestr(f"p/{i}", b"")
    assert rejection(buf.getvalue(), "many.odt").code == "corrupt"


def test_it_refuses_xml_with_a_dtd_in_odt_and_docx():
    laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
    assert rejection(make_odt(prolog=laughs), "lol.odt").code == "corrupt"
    external = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    assert rejection(make_odt(prolog=external), "xxe.odt").code == "corrupt"

    data = make_docx("Innocent.")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        document = archive.read("word/document.xml").decode()
    head, _, rest = document.partition("?>")
    poisoned = f"{head}?>{laughs}{rest}".encode()
    assert rejection(rezip(data, replace={"word/document.xml": poisoned}), "x.docx").code == (
        "corrupt"
    )


# --------------------------------------------------------------------------------------------
# Limits on extracted text


def test_it_truncates_long_text_and_says_so():
    data = ("Paragraph of evidence.\n" * 1000).encode()
    result = inspect(data, "long.txt", max_text_chars=100)
    assert result.text_status == "truncated"
    assert len(result.text) == 100


def test_it_caps_the_number_of_pdf_pages_read():
    result = inspect(make_pdf("One.", "Two.", "Three."), "p.pdf", max_pdf_pages=2)
    assert result.text_status == "truncated"
    assert "Two." in result.text
    assert "Three." not in result.text


def test_it_truncates_a_long_docx():
    result = inspect(make_docx(*(f"Paragraph {i}." for i in range(500))), max_text_chars=200)
    assert result.text_status == "truncated"
    assert len(result.text) <= 200


# --------------------------------------------------------------------------------------------
# File names


@pytest.mark.parametrize(
    ("given", "kind", "expected"),
    [
        ("../../etc/passwd", None, "passwd"),
        ("../../etc/passwd", "txt", "passwd.txt"),
        ("C:\\Users\\amina\\Desktop\\paper.pdf", None, "paper.pdf"),
        ("<script>.pdf", "pdf", "script.pdf"),
        ("<img src=x onerror=alert(1)>.pdf", "pdf", "img src_x onerror_alert_1.pdf"),
        ('Report "final" & v2\'s.docx', "docx", "Report final v2_s.docx"),
        ("مساهمة الوزارة.pdf", "pdf", "مساهمة الوزارة.pdf"),
        ("农村互联网接入.docx", "docx", "农村互联网接入.docx"),
        ("Вклад министерства.odt", "odt", "Вклад министерства.odt"),
        ("invoice\u202efdp.exe", "pdf", "invoicefdp.pdf"),
        ("a\u2066b\u2069c\u200fd.txt", None, "abcd.txt"),
        ("CON.txt", "txt", "_CON.txt"),
        ("lpt1.tar.txt", None, "_lpt1.tar.txt"),
        (".htaccess", "txt", "htaccess.txt"),
        ("paper.PDF", "docx", "paper.docx"),
        ("Plan v1.2", "pdf", "Plan v1.2.pdf"),
        ("line\nbreak\ttab\x00nul.txt", None, "line break tabnul.txt"),
        ("   ", "pdf", "attachment.pdf"),
        ("...", None, "attachment"),
        ("Contribution – draft.docx", "docx", "Contribution - draft.docx"),
    ],
)
def test_it_sanitises_file_names(given, kind, expected):
    assert sanitise_filename(given, kind=kind) == expected


def test_it_caps_a_300_character_name_keeping_the_extension():
    result = sanitise_filename("x" * 300 + ".pdf", kind="pdf")
    assert len(result) == 120
    assert result.endswith("x.pdf")
    arabic = sanitise_filename("ب" * 300 + ".docx", kind="docx")
    assert arabic.endswith(".docx")
    assert len(arabic.encode("utf-8")) <= 240
    assert sanitise_filename("abcdefgh.txt", max_length=7) == "abc.txt"


def test_it_makes_names_inert_in_html_and_headers():
    hostile = "a<b>c\"d'e&f;g%h\\i/j`k\r\nl:m*n?o|p{q}r.pdf"
    result = sanitise_filename(hostile, kind="pdf")
    assert not set(result) & set("<>\"'&;%\\/`\r\n:*?|{}")
    assert result.endswith(".pdf")


def test_it_names_rejected_files_by_their_sanitised_name():
    exc = rejection(b"", "../<b>evil\u202e.txt")
    assert exc.params["name"] == "b_evil.txt"


def test_it_keeps_rejections_picklable():
    import pickle

    exc = rejection(b"", "nothing.txt")
    copy = pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own bytes
    assert (copy.code, copy.message, copy.params) == (exc.code, exc.message, exc.params)


def test_it_formats_human_sizes():
    assert human_size(1) == "1 byte"
    assert human_size(999) == "999 bytes"
    assert human_size(1536) == "1.5 KB"
    assert human_size(20 * MB) == "20 MB"
    assert human_size(int(12.44 * MB)) == "12.4 MB"


def test_it_works_without_django():
    code = (
        "import sys, consulta.submissions.attachments as a; "
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------------------------
# Less common paths


def test_it_appends_docx_footnotes_after_the_body():
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    footnotes = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{w}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
        '</w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>See the 2024 survey.</w:t></w:r>'
        "</w:p></w:footnote></w:footnotes>"
    ).encode()
    data = make_docx("Body text.")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml").decode()
        rels = archive.read("word/_rels/document.xml.rels").decode()
    types = types.replace(
        "</Types>",
        '<Override PartName="/word/footnotes.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>',
    )
    rels = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdNotes" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>',
    )
    data = rezip(
        data,
        replace={
            "[Content_Types].xml": types.encode(),
            "word/_rels/document.xml.rels": rels.encode(),
        },
        add={"word/footnotes.xml": footnotes},
    )
    result = inspect(data, "notes.docx")
    assert result.text.endswith("Closing remarks.\n\nSee the 2024 survey.")


def test_it_skips_a_pdf_page_that_cannot_be_read_but_not_all_of_them(monkeypatch):
    from pypdf import PageObject

    original = PageObject.extract_text

    def flaky(self, *args, **kwargs):
        text = original(self, *args, **kwargs)
        if "Broken" in text:
            raise KeyError("/Font")
        return text

    monkeypatch.setattr(PageObject, "extract_text", flaky)
    result = inspect(make_pdf("Readable page.", "Broken page."), "p.pdf")
    assert "Readable page." in result.text
    assert "Broken" not in result.text
    assert rejection(make_pdf("Broken everywhere."), "p.pdf").code == "corrupt"


def test_it_refuses_a_pdf_whose_encryption_it_cannot_read(monkeypatch):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    def needs_aes(self, password):
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", needs_aes)
    exc = rejection(make_pdf("AES.", encrypt={"owner_password": "own"}), "aes.pdf")
    assert exc.code == "encrypted"
    assert "Print to PDF" in exc.message


def test_it_propagates_memory_errors(monkeypatch):
    from pypdf import PdfReader

    def exhausted(self, *args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(PdfReader, "__init__", exhausted)
    with pytest.raises(MemoryError):
        inspect(make_pdf("x"), "p.pdf")
