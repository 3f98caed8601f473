"""The WSIS+20 demo submissions: 96 inputs written for this project (see wsis20_demo.jsonl).

Attachments in the demo file are given as text; they are turned into Word documents here so that the
demo exercises the same upload checks and text extraction as real files.
"""

from __future__ import annotations

import base64
import io
import json
from functools import lru_cache
from importlib import resources

from consulta.calls.models import Call
from consulta.submissions.bulk import ImportResult, submissions_import


def _docx(text: str) -> bytes:
    from docx import Document

    document = Document()
    for paragraph in text.split("\n\n"):
        if paragraph.strip():
            document.add_paragraph(paragraph.strip())
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@lru_cache(maxsize=1)
def _demo_records() -> tuple:
    return tuple(_read_demo_records())


def demo_records():
    """(line number, record) pairs of the demo file, built once per process (Word files take a second)."""
    for number, record in _demo_records():
        yield number, json.loads(json.dumps(record))


def _read_demo_records():
    text = (
        resources.files("consulta.submissions.demo")
        .joinpath("wsis20_demo.jsonl")
        .read_text(encoding="utf-8")
    )
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        attachment = record.pop("demo_attachment", None)
        record.pop("late", None)
        if attachment:
            name = attachment["filename"].rsplit(".", 1)[0] + ".docx"
            record["attachments"] = [
                {
                    "filename": name,
                    "content_base64": base64.b64encode(_docx(attachment["text"])).decode(),
                }
            ]
        yield number, record


def load_demo_submissions(*, call: Call) -> ImportResult:
    """Add the demo submissions once; running it again adds nothing."""
    return submissions_import(call=call, records=demo_records(), on_existing="skip")
