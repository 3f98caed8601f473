"""The development outbox: e-mails the demo "sent", readable in the browser.

Only served when DEBUG is on and mail goes to files, so the demo's receipts and resume links can be
followed without a mail server. Never enabled in production.
"""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render


def outbox_enabled() -> bool:
    return bool(settings.DEBUG) and settings.EMAIL_BACKEND.endswith("filebased.EmailBackend")


def _messages() -> list[dict]:
    folder = Path(settings.EMAIL_FILE_PATH)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
        # One file per connection; messages in it are separated by a line of dashes.
        for chunk in path.read_text(encoding="utf-8", errors="replace").split("-" * 79):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk.strip(), policy=policy.default)
            body = message.get_body(preferencelist=("plain", "html"))
            found.append(
                {
                    "to": message.get("To", ""),
                    "subject": message.get("Subject", ""),
                    "date": message.get("Date", ""),
                    "body": body.get_content() if body else "",
                    "attachments": [part.get_filename() for part in message.iter_attachments()],
                }
            )
    return found


def outbox(request):
    if not outbox_enabled():
        raise Http404("The outbox exists only in development")
    return render(request, "consulta/outbox.html", {"messages_sent": _messages()[:100]})
