"""The analysts' workspace: runs, codes and their passages, responses, themes, audit, comparisons, codebooks.

Views stay thin: they check the reader's permission, translate HTTP into calls of ``services``,
``codebooks`` and ``retrain``, and render what ``selectors`` return. Analysts (``analysis.change_*``)
change things; the secretariat (``analysis.view_*``) only looks; anyone else gets 403, and an
anonymous reader is sent to the login page.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consulta import languages
from consulta.analysis import codebooks, forms, selectors, services
from consulta.analysis.models import (
    AnalysisRun,
    CodeAssignment,
    CustomCodebook,
    ResponseReview,
    Theme,
)
from consulta.analysis.retrain import retrain as retrain_run
from consulta.calls.models import Call
from consulta.submissions.models import SubmissionVersion

VIEW_PERMISSION = "analysis.view_analysisrun"
CHANGE_PERMISSION = "analysis.change_codeassignment"


def workspace(view):
    """Login for anonymous readers, 403 without the view permission, and POST only for analysts."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_active or not user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        if request.method == "POST" and not user.has_perm(CHANGE_PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    context.setdefault("can_change", request.user.has_perm(CHANGE_PERMISSION))
    return render(request, template, context, status=status)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _run(run_id: int) -> AnalysisRun:
    return get_object_or_404(AnalysisRun.objects.select_related("call"), pk=run_id)


def _in_run(run: AnalysisRun, version_id: int) -> SubmissionVersion:
    if version_id not in selectors.run_version_ids(run):
        raise Http404
    return get_object_or_404(SubmissionVersion.objects.select_related("submission"), pk=version_id)


def _running(run: AnalysisRun) -> bool:
    return run.status in (AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING, AnalysisRun.Status.FINISHING)


# ------------------------------------------------------------------------------------------ runs


@workspace
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    calls = [
        {"call": call, "runs": runs,
         "form": forms.StartRunForm(codebooks=selectors.available_codebooks(call),
                                    initial={"codebooks": list(services.BUILTIN_CODEBOOKS)},
                                    prefix=f"call{call.pk}")}
        for call, runs in selectors.calls_with_runs()
    ]
    refresh = any(_running(run) for item in calls for run in item["runs"])
    return _render(request, "analysis/index.html", {"calls": calls, "refresh": refresh})


@workspace
@require_POST
def run_start(request: HttpRequest, slug: str) -> HttpResponse:
    call = get_object_or_404(Call, slug=slug)
    form = forms.StartRunForm(request.POST, codebooks=selectors.available_codebooks(call), prefix=f"call{call.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose at least one codebook."))
        return redirect("analysis-index")
    try:
        run = services.analysis_start(actor=request.user, call=call, codebooks=form.cleaned_data["codebooks"])
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("analysis-index")
    messages.success(
        request,
        _("Run %(id)s is queued. A background worker processes it; without one, run “consulta analyse --wait”.")
        % {"id": run.pk},
    )
    return redirect("analysis-run", run_id=run.pk)


@workspace
@require_POST
def run_resume(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    pending = services.analysis_resume(actor=request.user, run=run)
    messages.success(request, _("Run %(id)s resumed: %(n)s part(s) queued again.") % {"id": run.pk, "n": pending})
    return redirect("analysis-run", run_id=run.pk)


@workspace
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    language = languages.current()
    codebook = request.GET.get("codebook") or (run.codebooks[0] if run.codebooks else "")
    if codebook not in run.codebooks:
        raise Http404
    question = request.GET.get("question") or ""
    if question and question not in run.question_keys:
        raise Http404
    book = selectors.safe_codebook(codebook)
    prompts = selectors.question_prompts(run.call)
    context = {
        "run": run,
        "call": run.call,
        "refresh": _running(run),
        "progress_percent": round(run.progress * 100),
        "codebook": codebook,
        "codebook_title": book.title_in(language) if book else codebook,
        "codebooks": [(name, (selectors.safe_codebook(name) or None)) for name in run.codebooks],
        "question": question,
        "questions": [(key, prompts.get(key, key)) for key in run.question_keys],
        "rows": selectors.code_table(run, codebook, question=question or None, language=language) if run.status == "done" else [],
        "totals": selectors.group_totals(run),
        "reviewed_share": services.reviewed_share(run),
        "reviewed_count": ResponseReview.objects.filter(run=run, reviewed_at__isnull=False).count(),
        "duplicates": selectors.duplicates_summary(run),
        "themes_count": run.themes.filter(state=Theme.State.CANDIDATE).count(),
        "first_version": (selectors.run_version_ids(run) or [None])[0],
        "other_runs": AnalysisRun.objects.filter(call=run.call, status=AnalysisRun.Status.DONE).exclude(pk=run.pk),
        "retrain": run.parameters.get("retrain"),
        "can_resume": run.status == AnalysisRun.Status.FAILED or (_running(run) and run.chunks.exists()),
    }
    return _render(request, "analysis/run.html", context)


@workspace
@require_GET
def code_detail(request: HttpRequest, run_id: int, codebook: str, code: str) -> HttpResponse:
    run = _run(run_id)
    if codebook not in run.codebooks:
        raise Http404
    language = languages.current()
    book = selectors.safe_codebook(codebook)
    question = request.GET.get("question") or None
    passages = selectors.code_passages(run, codebook, code, question=question)
    if not passages and (book is None or code not in book):
        raise Http404
    context = {
        "run": run,
        "codebook": codebook,
        "code": code,
        "label": selectors.code_label(book, code, language),
        "description": book.code(code).description_in(language) if book and code in book else "",
        "passages": passages,
        "question": question or "",
    }
    return _render(request, "analysis/code.html", context)


@workspace
@require_POST
def code_remove(request: HttpRequest, run_id: int, assignment_id: int) -> HttpResponse:
    run = _run(run_id)
    assignment = get_object_or_404(CodeAssignment, pk=assignment_id, run=run)
    services.code_remove(actor=request.user, assignment=assignment)
    messages.success(request, _("Code %(code)s removed.") % {"code": assignment.code})
    return _back(request, reverse("analysis-response", args=[run.pk, assignment.version_id]))


# ------------------------------------------------------------------------------------------ responses


@workspace
@require_GET
def response_detail(request: HttpRequest, run_id: int, version_id: int) -> HttpResponse:
    run = _run(run_id)
    version = _in_run(run, version_id)
    language = languages.current()
    review = ResponseReview.objects.filter(run=run, version=version).select_related("reviewed_by").first()
    answers = selectors.response_view(run, version, language=language)
    prompts = {a.key: a.prompt for a in answers}
    add_form = forms.AddCodeForm(
        questions=[(a.key, prompts[a.key]) for a in answers], codes=selectors.code_choices(run, language)
    )
    review_form = forms.ReviewForm(
        initial={"reviewed": True, "flags": review.flags if review else [], "note": review.note if review else ""}
    )
    context = {
        "run": run,
        "version": version,
        "answers": answers,
        "review": review,
        "add_form": add_form,
        "review_form": review_form,
        "nav": selectors.neighbours(run, version.pk),
        "flag_labels": forms.FLAG_LABELS,
    }
    return _render(request, "analysis/response.html", context)


@workspace
@require_POST
def response_add_code(request: HttpRequest, run_id: int, version_id: int) -> HttpResponse:
    run = _run(run_id)
    version = _in_run(run, version_id)
    form = forms.AddCodeForm(
        request.POST, questions=[(k, k) for k in run.question_keys], codes=selectors.code_choices(run)
    )
    if form.is_valid():
        codebook, code = form.codebook_and_code()
        try:
            services.code_add(actor=request.user, run=run, version=version,
                              question_key=form.cleaned_data["question_key"], codebook=codebook, code=code)
            messages.success(request, _("Code %(code)s added.") % {"code": code})
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, _("Choose an answer and a code."))
    return redirect("analysis-response", run_id=run.pk, version_id=version.pk)


@workspace
@require_POST
def response_review(request: HttpRequest, run_id: int, version_id: int) -> HttpResponse:
    run = _run(run_id)
    version = _in_run(run, version_id)
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The review could not be saved."))
        return redirect("analysis-response", run_id=run.pk, version_id=version.pk)
    services.response_review(actor=request.user, run=run, version=version, reviewed=form.cleaned_data["reviewed"],
                             flags=form.cleaned_data["flags"], note=form.cleaned_data["note"])
    messages.success(request, _("Review saved."))
    if request.POST.get("then") == "next":
        following = selectors.neighbours(run, version.pk)["next_unreviewed"]
        if following:
            return redirect("analysis-response", run_id=run.pk, version_id=following)
    return redirect("analysis-response", run_id=run.pk, version_id=version.pk)


# ------------------------------------------------------------------------------------------ themes


@workspace
@require_GET
def themes(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    views = selectors.theme_views(run)
    live = [v for v in views if v.theme.state == Theme.State.CANDIDATE]
    merge_form = forms.ThemeMergeForm(themes=[(str(v.theme.pk), v.theme.label) for v in live])
    context = {
        "run": run,
        "themes": views,
        "merge_form": merge_form,
        "default_codebook": codebooks.themes_codebook_slug(run.call),
        "unassigned_share": run.parameters.get("unassigned_share"),
    }
    return _render(request, "analysis/themes.html", context)


@workspace
@require_POST
def theme_action(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    action = request.POST.get("action")
    back = reverse("analysis-themes", args=[run.pk])
    try:
        if action == "merge":
            ids = [int(i) for i in request.POST.getlist("themes") if i.isdigit()]
            chosen = {t.pk: t for t in run.themes.filter(pk__in=ids, state=Theme.State.CANDIDATE)}
            services.theme_merge(actor=request.user, themes=[chosen[i] for i in ids if i in chosen],
                                 label=request.POST.get("label", ""))
            messages.success(request, _("Themes merged."))
            return redirect(back)
        theme_id = request.POST.get("theme", "")
        theme = get_object_or_404(Theme, pk=int(theme_id) if theme_id.isdigit() else 0, run=run)
        if action == "rename":
            services.theme_rename(actor=request.user, theme=theme, label=request.POST.get("label", ""))
            messages.success(request, _("Theme renamed."))
        elif action == "discard":
            services.theme_discard(actor=request.user, theme=theme)
            messages.success(request, _("Theme discarded."))
        elif action == "split":
            ids = [int(i) for i in request.POST.getlist("members") if i.isdigit()]
            new = services.theme_split(actor=request.user, theme=theme, member_ids=ids, label=request.POST.get("label", ""))
            messages.success(request, _("Split off a new theme “%(label)s”.") % {"label": new.label})
        elif action == "accept":
            slug = (request.POST.get("codebook") or "").strip() or None
            row, code_id = codebooks.theme_accept(actor=request.user, theme=theme, slug=slug)
            messages.success(
                request,
                _("“%(label)s” is now code %(code)s of codebook %(book)s; start a new run with it to code every response.")
                % {"label": theme.label, "code": code_id, "book": row.slug},
            )
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect(back)


# ------------------------------------------------------------------------------------------ retrain, audit, compare


@workspace
@require_POST
def retrain(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    try:
        summary = retrain_run(actor=request.user, run=run)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Retrained on %(n)s reviewed answers; %(m)s unreviewed answers were recoded.")
            % {"n": summary["trained_on_answers"], "m": summary["recoded_answers"]},
        )
    return redirect("analysis-run", run_id=run.pk)


@workspace
@require_GET
def audit(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    return _render(request, "analysis/audit.html", {"run": run, "events": selectors.audit_trail(run)[:1000]})


@workspace
@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    runs = AnalysisRun.objects.filter(status=AnalysisRun.Status.DONE).select_related("call").order_by("-pk")
    a_id, b_id = request.GET.get("a", ""), request.GET.get("b", "")
    comparison = None
    if a_id.isdigit() and b_id.isdigit():
        a = get_object_or_404(runs, pk=int(a_id))
        b = get_object_or_404(runs, pk=int(b_id))
        comparison = selectors.compare_runs(a, b, language=languages.current())
    return _render(request, "analysis/compare.html", {"runs": runs, "comparison": comparison, "a": a_id, "b": b_id})


# ------------------------------------------------------------------------------------------ codebooks


@workspace
@require_http_methods(["GET", "POST"])
def codebook_list(request: HttpRequest) -> HttpResponse:
    form = forms.CodebookImportForm()
    status = 200
    if request.method == "POST":
        form = forms.CodebookImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                row = codebooks.codebook_import(actor=request.user, text=form.cleaned_data["yaml"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Codebook %(slug)s imported.") % {"slug": row.slug})
                return redirect("analysis-codebooks")
        status = 400
    rows = []
    for row in CustomCodebook.objects.select_related("call"):
        try:
            book = codebooks.load(row)
        except Exception:  # noqa: BLE001 - a broken row is listed, not fatal
            book = None
        rows.append({"row": row, "book": book, "title": book.title_in(languages.current()) if book else row.slug})
    builtins = [(name, selectors.safe_codebook(name)) for name in services.BUILTIN_CODEBOOKS]
    return _render(request, "analysis/codebooks.html", {"rows": rows, "builtins": builtins, "form": form}, status=status)


@workspace
@require_http_methods(["GET", "POST"])
def codebook_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    row = get_object_or_404(CustomCodebook, slug=slug) if slug else None
    previous = codebooks.load(row) if row else None
    status = 200
    if request.method == "POST":
        form = forms.CodebookForm(request.POST)
        formset = forms.CodeFormSet(request.POST, prefix="codes")
        if form.is_valid() and formset.is_valid():
            new_slug = row.slug if row else form.cleaned_data["slug"]
            try:
                if row is None and CustomCodebook.objects.filter(slug=new_slug).exists():
                    raise ValidationError(_("A codebook “%(slug)s” exists already.") % {"slug": new_slug})
                book = codebooks.from_form(slug=new_slug, title=form.cleaned_data["title"],
                                           codes=[f.cleaned_data for f in formset.forms if f.cleaned_data],
                                           previous=previous)
                saved = codebooks.codebook_save(actor=request.user, book=book)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Codebook %(slug)s saved.") % {"slug": saved.slug})
                return redirect("analysis-codebook-edit", slug=saved.slug)
        status = 400
    else:
        data = codebooks.as_form_data(row) if row else {"slug": "", "title": "", "codes": []}
        form = forms.CodebookForm(initial={"slug": data["slug"], "title": data["title"]})
        formset = forms.CodeFormSet(initial=data["codes"], prefix="codes")
    return _render(request, "analysis/codebook_edit.html", {"row": row, "form": form, "formset": formset}, status=status)


@workspace
@require_GET
def codebook_export(request: HttpRequest, slug: str) -> HttpResponse:
    if slug in services.BUILTIN_CODEBOOKS:
        text = codebooks.dump(selectors.safe_codebook(slug))
    else:
        row = get_object_or_404(CustomCodebook, slug=slug)
        text = codebooks.dump(codebooks.load(row))
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}.yaml"'
    return response


@workspace
@require_POST
def codebook_delete(request: HttpRequest, slug: str) -> HttpResponse:
    row = get_object_or_404(CustomCodebook, slug=slug)
    codebooks.codebook_delete(actor=request.user, row=row)
    messages.success(request, _("Codebook %(slug)s deleted.") % {"slug": slug})
    return redirect("analysis-codebooks")
