"""The read-only public HTTP API (``/api/v1/``): published calls and published contributions only.

It reads what the public pages read — published calls and the ``Contribution`` table through
``publication.selectors`` — and nothing else. A contribution that is private, awaiting approval, not
published or withdrawn answers exactly like a reference that never existed (404, same body), and so does
an unpublished call, whoever asks: the API ignores any session, so staff see what everyone sees.

Every response is JSON and carries ``Access-Control-Allow-Origin: *`` (no credentials), an ``ETag``
(a hash of the body; ``If-None-Match`` gets ``304``) and ``Cache-Control: public, max-age=60``. Requests
are rate-limited per IP address (``CONSULTA_API_RATE``, default ``300/m``; over it: ``429``).

Mount it outside ``i18n_patterns``: ``path("api/v1/", consulta.publication.api.urls)``. The OpenAPI
document is ``/api/v1/openapi.json``; ``/api/v1/docs`` shows it with the Swagger UI files that
django-ninja ships (served from our own static files, never a CDN) when ``"ninja"`` is in
``INSTALLED_APPS``, and answers 404 otherwise.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.urls import URLPattern, re_path, reverse
from django.utils import translation
from django.utils.http import parse_etags, quote_etag
from django_ratelimit.core import is_ratelimited
from ninja import Field, NinjaAPI, Path, Query, Schema
from ninja.errors import ValidationError
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer
from pydantic import field_validator

from consulta import languages, regions
from consulta.calls.models import Call, CallStatus, DeadlineExtension
from consulta.calls.selectors import calls_visible_to
from consulta.publication import search, selectors
from consulta.publication.models import Contribution, ContributionCode, PublicationPolicy
from consulta.submissions.models import Attachment, StakeholderType
from consulta.submissions.selectors import submissions_received_count

logger = logging.getLogger(__name__)

DEFAULT_RATE = "300/m"
NOT_FOUND = "Not found."
MAX_QUERY_LENGTH = 200
MAX_CURSOR_LENGTH = 200
CACHE_CONTROL = "public, max-age=60"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
REFERENCE = re.compile(r"^[-A-Za-z0-9]{1,24}$")

# ---------------------------------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------------------------------

StakeholderTypeValue = enum.Enum(
    "StakeholderTypeValue", {v: v for v in StakeholderType.values}, type=str
)
RegionValue = enum.Enum("RegionValue", {r: r for r in regions.REGIONS}, type=str)
LanguageValue = enum.Enum(
    "LanguageValue", {code: code for code in languages.UN_LANGUAGES}, type=str
)
CountryValue = enum.Enum("CountryValue", {code: code for code in regions.COUNTRY_CODES}, type=str)


class Error(Schema):
    detail: str = Field(..., description="What went wrong, in English.")


class FieldError(Schema):
    loc: list[str | int] = Field(..., description='Where: e.g. ["query", "stakeholder_type"].')
    msg: str
    type: str


class ValidationProblem(Schema):
    detail: str = Field(..., description="A summary of every invalid parameter.")
    errors: list[FieldError]


class TranslatedText(Schema):
    text: str
    language: str = Field(..., description="The language the text is actually in.")
    is_fallback: bool = Field(
        ..., description="True when no text exists in the language asked for (English is given)."
    )


class Translations(Schema):
    """One entry per UN language; a missing translation falls back to English and says so."""

    ar: TranslatedText
    zh: TranslatedText
    en: TranslatedText
    fr: TranslatedText
    ru: TranslatedText
    es: TranslatedText


class DeadlineChange(Schema):
    kind: Literal["extension", "shortening", "early_closure"]
    previous_deadline: datetime
    new_deadline: datetime
    announced_at: datetime
    reason: Translations


class CallCounts(Schema):
    submissions_received: int = Field(
        ..., description="Every submission kept, private ones included."
    )
    contributions_published: int


class Licence(Schema):
    id: str = Field(..., description="SPDX identifier, e.g. CC-BY-4.0.")
    url: str


class CallOut(Schema):
    slug: str
    title: Translations
    owner: Translations
    summary: Translations
    status: Literal["upcoming", "open", "extended", "closed"]
    opens_at: datetime = Field(..., description="ISO 8601 with the offset of the call's time zone.")
    closes_at: datetime = Field(..., description="The deadline in force, in the call's time zone.")
    time_zone: str = Field(..., description="IANA name, e.g. Europe/Zurich.")
    original_deadline: datetime
    deadline_history: list[DeadlineChange]
    counts: CallCounts
    licence: Licence
    url: str = Field(..., description="The call's public page.")
    contributions_url: str = Field(
        ..., description="This API's list of the call's published contributions."
    )


class CallList(Schema):
    items: list[CallOut]


class Author(Schema):
    name: str
    organisation: str


class AttachmentOut(Schema):
    name: str
    size: int = Field(..., description="In bytes.")
    content_type: str
    url: str


class ContributionOut(Schema):
    reference: str
    call: str = Field(..., description="The call's slug.")
    received_at: datetime | None = Field(..., description="In the call's time zone.")
    language: str | None
    stakeholder_type: str | None
    country: str | None = Field(..., description="ISO 3166-1 alpha-2.")
    region: str | None = Field(..., description="ITU region derived from the country.")
    author: Author | None = Field(
        ...,
        description="Only when the author consented to publication with their name; otherwise null.",
    )
    answers: dict[str, str | list[str]] = Field(
        ..., description="Answers by question key, as published."
    )
    codes: list[str] = Field(..., description="Codes an analysis assigned, e.g. sdgs:SDG4.")
    attachments: list[AttachmentOut]
    licence: Licence
    url: str = Field(..., description="The contribution's public page.")


class ContributionList(Schema):
    items: list[ContributionOut]
    next: str | None = Field(
        ..., description="Cursor of the next page, to pass as `page`; null on the last page."
    )
    next_url: str | None = Field(
        ..., description="The full address of the next page; null on the last page."
    )


class ContributionQuery(Schema):
    q: str | None = Field(
        None,
        max_length=MAX_QUERY_LENGTH,
        description="Full-text search over the published answers.",
    )
    stakeholder_type: StakeholderTypeValue | None = None
    region: RegionValue | None = None
    country: CountryValue | None = Field(None, description="ISO 3166-1 alpha-2, upper case.")
    language: LanguageValue | None = None
    code: str | None = Field(
        None, max_length=80, description="A code assigned by analysis, e.g. sdgs:SDG4."
    )
    sort: Literal["date", "relevance"] = Field(
        "date", description="`date`: newest first. `relevance`: best matches first (only with `q`)."
    )
    page: str | None = Field(
        None,
        max_length=MAX_CURSOR_LENGTH,
        description=(
            "Opaque cursor: the `next` value of the previous response (with the same other parameters). "
            "Leave out for the first page. A cursor that is not one we gave gets 400."
        ),
    )

    @field_validator(
        "stakeholder_type", "region", "country", "language", "q", "code", mode="before"
    )
    @classmethod
    def _empty_is_absent(cls, value: Any) -> Any:
        # `?region=` (as an HTML form sends "any region") means no filter, not an invalid region.
        return None if value == "" else value


# ---------------------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------------------


class Utf8Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Arabic, Chinese, Russian as text, not \u escapes


class LocalSwagger(Swagger):
    """Swagger UI from django-ninja's own static files; never the CDN template."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        if "ninja" not in settings.INSTALLED_APPS:
            raise Http404(NOT_FOUND)
        return super().render_page(request, api, **kwargs)


api = NinjaAPI(
    title="Consulta public API",
    version="1",
    description=(
        "Read-only access to published calls for inputs and to the contributions their authors agreed "
        "to publish. Private, pending, rejected and withdrawn contributions do not exist here: they "
        "answer 404 exactly like an unknown reference. Lists of contributions are paginated with an "
        "opaque cursor: pass the `next` value of a response as `page` to get the following page."
    ),
    urls_namespace="api-v1",
    renderer=Utf8Renderer(),
    docs=LocalSwagger(settings={"validatorUrl": None}),
    docs_url="/docs",
)

SLUG_PARAM = Path(..., description="The call's short name.", examples=["wsis20"])
FILTERS_PARAM = Query(...)
NOT_FOUND_OR_LIMITED = {404: Error, 429: Error}


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    # One body for everything absent, so that a 404 says nothing about why.
    return _error(404, NOT_FOUND)


class BadCursor(Exception):
    pass


@api.exception_handler(BadCursor)
def _bad_cursor(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(
        400,
        "The page cursor is not valid: use the `next` value of a previous response, or leave `page` out.",
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        loc = [part if isinstance(part, int) else str(part) for part in error.get("loc", ())]
        # Drop ninja's internal wrapper names, keep "query"/"path" and the parameter.
        loc = [loc[0], *loc[2:]] if len(loc) > 2 and loc[1] in ("filters", "params") else loc
        message = str(error.get("msg", ""))
        if loc[-1:] == ["country"] and error.get("type") == "enum":
            message = "Input should be the upper-case ISO 3166-1 alpha-2 code of a UN member or observer state, e.g. SN"
        errors.append({"loc": loc, "msg": message, "type": str(error.get("type", ""))})
    summary = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in errors)
    return JsonResponse({"detail": f"Invalid parameters: {summary}", "errors": errors}, status=422)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s", request.path)
    return _error(500, "Internal server error.")


# ---------------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------------


def _absolute(request: HttpRequest, name: str, **kwargs: Any) -> str:
    # Public pages live under the language prefix; the API links to the English ones.
    with translation.override("en"):
        return request.build_absolute_uri(reverse(name, kwargs=kwargs))


def _translations(instance, field: str) -> dict[str, dict]:
    result = {}
    for code in languages.UN_LANGUAGES:
        text = instance.translated(field, code)
        result[code] = {
            "text": text.text,
            "language": text.language,
            "is_fallback": text.is_fallback,
        }
    return result


def _licence(call: Call, cache: dict[int, dict]) -> dict:
    if call.pk not in cache:
        # Read, never create: a GET changes nothing (``services.policy_for`` would create the row).
        policy = PublicationPolicy.objects.filter(call=call).first() or PublicationPolicy(call=call)
        cache[call.pk] = {"id": policy.licence, "url": policy.licence_url}
    return cache[call.pk]


def _call_out(request: HttpRequest, call: Call, licences: dict[int, dict]) -> dict:
    history = [
        {
            "kind": change.kind,
            "previous_deadline": call.local(change.previous_deadline),
            "new_deadline": call.local(change.new_deadline),
            "announced_at": call.local(change.announced_at),
            "reason": _translations(change, "reason"),
        }
        for change in DeadlineExtension.objects.filter(call=call).order_by("announced_at", "pk")
    ]
    original = history[0]["previous_deadline"] if history else call.local(call.closes_at)
    return {
        "slug": call.slug,
        "title": _translations(call, "title"),
        "owner": _translations(call, "owner"),
        "summary": _translations(call, "summary"),
        "status": CallStatus(call.status()).value,
        "opens_at": call.local(call.opens_at),
        "closes_at": call.local(call.closes_at),
        "time_zone": call.time_zone,
        "original_deadline": original,
        "deadline_history": history,
        "counts": {
            "submissions_received": submissions_received_count(call),
            "contributions_published": selectors.public_contributions(call).count(),
        },
        "licence": _licence(call, licences),
        "url": _absolute(request, "call-detail", slug=call.slug),
        "contributions_url": request.build_absolute_uri(
            reverse("api-v1:list_contributions", kwargs={"slug": call.slug})
        ),
    }


def _contributions_out(
    request: HttpRequest, items: list[Contribution], call: Call | None = None
) -> list[dict]:
    """Render contributions in a fixed number of queries, whatever their count."""
    attachment_ids = {pk for item in items for pk in item.attachment_ids or ()}
    attachments = (
        {a.pk: a for a in Attachment.objects.filter(pk__in=attachment_ids)}
        if attachment_ids
        else {}
    )
    codes: dict[int, list[str]] = {}
    if items:
        for contribution_id, code in (
            ContributionCode.objects.filter(contribution__in=items)
            .order_by("code")
            .values_list("contribution_id", "code")
        ):
            codes.setdefault(contribution_id, []).append(code)
    licences: dict[int, dict] = {}
    out = []
    for item in items:
        owner = call or item.call
        named = item.shows_name and (item.author_name or item.author_organisation)
        out.append(
            {
                "reference": item.reference,
                "call": owner.slug,
                "received_at": owner.local(item.received_at) if item.received_at else None,
                "language": item.language or None,
                "stakeholder_type": item.stakeholder_type or None,
                "country": item.country or None,
                "region": item.region or None,
                "author": {"name": item.author_name, "organisation": item.author_organisation}
                if named
                else None,
                "answers": item.answers or {},
                "codes": codes.get(item.pk, []),
                "attachments": [
                    {
                        "name": attachment.name,
                        "size": attachment.size,
                        "content_type": attachment.content_type,
                        "url": _absolute(
                            request,
                            "contribution-file",
                            reference=item.reference,
                            attachment_id=attachment.pk,
                        ),
                    }
                    for attachment in (attachments.get(pk) for pk in item.attachment_ids or ())
                    if attachment is not None
                ],
                "licence": _licence(owner, licences),
                "url": _absolute(request, "contribution-detail", reference=item.reference),
            }
        )
    return out


def _published_call(slug: str) -> Call:
    # Published calls only, whoever asks: staff sessions see nothing more here.
    if not SLUG.match(slug):
        raise Http404(NOT_FOUND)
    call = calls_visible_to(None).filter(slug=slug).first()
    if call is None:
        raise Http404(NOT_FOUND)
    return call


def _check_cursor(cursor: str, *, relevance: bool) -> None:
    if relevance:
        if (
            not (cursor.isascii() and cursor.isdigit())
            or int(cursor) > selectors.MAX_RELEVANCE_RESULTS
        ):
            raise BadCursor
        return
    position = selectors._decode_cursor(cursor)
    if position is None:
        raise BadCursor
    stamp, pk = position
    if stamp.tzinfo is None or not 0 < pk < 2**63:
        raise BadCursor
    try:
        stamp.astimezone(UTC)
    except (OverflowError, ValueError):
        raise BadCursor from None


# ---------------------------------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------------------------------


@api.get(
    "/calls",
    response={200: CallList, 429: Error},
    operation_id="list_calls",
    url_name="list_calls",
    summary="Published calls",
)
def list_calls(request: HttpRequest):
    licences: dict[int, dict] = {}
    return {"items": [_call_out(request, call, licences) for call in calls_visible_to(None)]}


@api.get(
    "/calls/{slug}",
    response={200: CallOut, **NOT_FOUND_OR_LIMITED},
    operation_id="get_call",
    url_name="get_call",
    summary="One published call",
)
def get_call(request: HttpRequest, slug: str = SLUG_PARAM):
    return _call_out(request, _published_call(slug), {})


@api.get(
    "/calls/{slug}/contributions",
    response={200: ContributionList, 400: Error, 422: ValidationProblem, **NOT_FOUND_OR_LIMITED},
    operation_id="list_contributions",
    url_name="list_contributions",
    summary="A call's published contributions, filtered and searched, newest first",
)
def list_contributions(
    request: HttpRequest,
    slug: str = SLUG_PARAM,
    filters: ContributionQuery = FILTERS_PARAM,
):
    call = _published_call(slug)
    query = (filters.q or "").strip()[:MAX_QUERY_LENGTH]
    relevance = filters.sort == "relevance" and bool(query) and bool(search.query_terms(query))
    if filters.page:
        _check_cursor(filters.page, relevance=relevance)
    chosen = {
        "stakeholder_type": filters.stakeholder_type.value if filters.stakeholder_type else "",
        "region": filters.region.value if filters.region else "",
        "country": filters.country.value if filters.country else "",
        "language": filters.language.value if filters.language else "",
        "code": filters.code or "",
    }
    page = selectors.contribution_page(
        call=call,
        filters=chosen,
        query=query,
        sort=filters.sort,
        cursor=filters.page or None,
        page_size=selectors.PAGE_SIZE,
    )
    next_url = None
    if page.next_cursor:
        params = request.GET.copy()
        params["page"] = page.next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return {
        "items": _contributions_out(request, page.items, call),
        "next": page.next_cursor,
        "next_url": next_url,
    }


@api.get(
    "/contributions/{reference}",
    response={200: ContributionOut, **NOT_FOUND_OR_LIMITED},
    operation_id="get_contribution",
    url_name="get_contribution",
    summary="One published contribution",
)
def get_contribution(request: HttpRequest, reference: str):
    if not REFERENCE.match(reference):
        raise Http404(NOT_FOUND)
    contribution = selectors.public_contribution(reference=reference)
    if not contribution.call.published:
        raise Http404(NOT_FOUND)
    return _contributions_out(request, [contribution], contribution.call)[0]


# ---------------------------------------------------------------------------------------------------
# HTTP behaviour shared by every address under /api/v1/: CORS, rate limit, ETag, caching, JSON errors
# ---------------------------------------------------------------------------------------------------


def _rate(group: str, request: HttpRequest) -> str:
    return getattr(settings, "CONSULTA_API_RATE", DEFAULT_RATE)


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag, Retry-After"
    return response


def _preflight(request: HttpRequest) -> HttpResponse:
    wanted = request.META.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "").upper()
    if wanted not in ("GET", "HEAD"):
        response = _error(405, "This API is read-only: only GET requests are allowed.")
        response["Allow"] = ALLOWED_METHODS
        return response
    response = HttpResponse(status=204)
    _cors(response)
    response["Access-Control-Allow-Methods"] = "GET, HEAD"
    response["Access-Control-Allow-Headers"] = (
        "Accept, Accept-Language, Content-Language, If-None-Match"
    )
    response["Access-Control-Max-Age"] = "86400"
    response["Allow"] = ALLOWED_METHODS
    return response


def _etag(content: bytes) -> str:
    return quote_etag(hashlib.sha256(content).hexdigest()[:40])


def _matches(request: HttpRequest, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    wanted = parse_etags(header)
    if "*" in wanted:
        return True
    plain = etag.removeprefix("W/")
    return any(
        candidate.removeprefix("W/") == plain for candidate in wanted
    )  # weak comparison (RFC 9110)


def _public(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            if "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
                return _preflight(request)
            response = HttpResponse(status=204)
            response["Allow"] = ALLOWED_METHODS
            return _cors(response)
        if request.method not in ("GET", "HEAD"):
            response = _error(405, "This API is read-only: only GET requests are allowed.")
            response["Allow"] = ALLOWED_METHODS
            return _cors(response)
        if is_ratelimited(
            request,
            group="consulta.api",
            key="ip",
            rate=_rate,
            method=("GET", "HEAD"),
            increment=True,
        ):
            response = _error(429, "Too many requests: slow down and try again in a minute.")
            response["Retry-After"] = "60"
            response["Cache-Control"] = "no-store"
            return _cors(response)
        head = request.method == "HEAD"
        request.method = "GET"
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            response = _error(404, NOT_FOUND)
        finally:
            if head:
                request.method = "HEAD"
        _cors(response)
        if response.status_code >= 500:
            response["Cache-Control"] = "no-store"
            return response
        response["Cache-Control"] = CACHE_CONTROL
        if not getattr(response, "streaming", False):
            etag = _etag(response.content)
            response["ETag"] = etag
            if response.status_code == 200 and _matches(request, etag):
                not_modified = HttpResponseNotModified()
                for header in (
                    "ETag",
                    "Cache-Control",
                    "Access-Control-Allow-Origin",
                    "Access-Control-Expose-Headers",
                ):
                    not_modified[header] = response[header]
                return not_modified
            if head:
                length = len(response.content)
                response.content = b""
                response["Content-Length"] = str(length)
        return response

    wrapper.csrf_exempt = True
    wrapper.should_append_slash = (
        False  # /api/v1/x and /api/v1/x/ are two addresses; never redirect
    )
    return wrapper


def _nowhere(request: HttpRequest, rest: str = "") -> HttpResponse:
    raise Http404(NOT_FOUND)


def _urlpatterns() -> list[URLPattern]:
    patterns, _app, _namespace = api.urls
    wrapped = []
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):  # pragma: no cover - ninja builds flat patterns
            raise TypeError(f"Unexpected URL entry in the API: {pattern!r}")
        wrapped.append(
            URLPattern(
                pattern.pattern, _public(pattern.callback), pattern.default_args, pattern.name
            )
        )
    # Anything else under /api/v1/ is a JSON 404 too, never an HTML page or a redirect.
    wrapped.append(re_path(r"^(?P<rest>.*)$", _public(_nowhere), name="not-found"))
    return wrapped


urls = (_urlpatterns(), "ninja", api.urls_namespace)
