"""A database too busy to take a write gets a page that says so, not a server error.

On SQLite one process writes at a time; a request that waited the connection's whole timeout (a
large import holds the lock, say) fails with "database is locked". Nothing of that request was kept:
its transaction rolled back. The respondent is told that, and to send again; browsers keep what was
typed in a form when one goes back to it.
"""

from __future__ import annotations

import logging

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# SQLite's messages for a lock it could not get in time. (PostgreSQL makes a writer wait for a lock
# as long as it takes: the product sets no lock_timeout.)
SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_busy(error: BaseException) -> bool:
    return isinstance(error, OperationalError) and str(error).lower().startswith(SQLITE_BUSY)


class BusyDatabaseMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_busy(exception):
            return None
        log.warning("database busy: %s %s answered 503", request.method, request.path)
        try:
            body = render_to_string("consulta/busy.html", request=request)
            content_type = "text/html; charset=utf-8"
        except Exception:  # the page must come even if its template cannot
            log.exception("the busy page could not be rendered")
            body, content_type = "The server is busy. Please try again in a minute.", "text/plain"
        response = HttpResponse(body, status=503, content_type=content_type)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
