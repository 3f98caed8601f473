"""Refuse oversized requests before Django reads their bodies."""

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.CONSULTA_MAX_REQUEST_BYTES:
            limit_mb = settings.CONSULTA_MAX_REQUEST_BYTES // (1024 * 1024)
            return HttpResponse(
                _(
                    "This request is too large (the limit is %(mb)s MB). Please upload fewer or smaller files."
                )
                % {"mb": limit_mb},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
