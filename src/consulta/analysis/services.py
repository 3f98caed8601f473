"""Analysis runs (start, chunk, finish, resume) and the analysts' corrections, each change audited.

A run is cut into chunks of submission versions. Any worker may take any chunk: each chunk fits the
same coders on the same deterministic corpus sample, so every worker codes exactly as the others would,
and a chunk stored twice (a retry) replaces its own earlier rows. The last chunk to finish hands the
run to the step that needs everything at once: duplicates, campaigns and theme discovery.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from collections.abc import Sequence
from functools import lru_cache

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

import synthesis
from consulta.accounts.actors import person
from consulta.analysis import adapter
from consulta.analysis.models import (
    BUILTIN_CODEBOOKS,
    AnalysisRun,
    AuditEvent,
    CodeAssignment,
    ResponseReview,
    RunChunk,
    Theme,
)
from consulta.calls.models import Call
from consulta.submissions.models import SubmissionVersion
from synthesis.coding import ZeroShotCoder, code_all
from synthesis.discovery import ThemeDiscoverer
from synthesis.duplicates import DuplicateFinder

CHUNK_SIZE = 500
FIT_SAMPLE = 20_000
MAX_ATTEMPTS = 3
DEFAULT_SEED = 0


def _require_analyst(actor) -> None:
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm("analysis.change_codeassignment"):
        raise PermissionDenied(_("Only analysts can change analysis results."))


def _audit(*, run, actor, action: str, target: str, before=None, after=None) -> None:
    AuditEvent.objects.create(run=run, actor=person(actor), action=action, target=target, before=before, after=after)


# ------------------------------------------------------------------------------------------ runs


@transaction.atomic
def analysis_start(
    *,
    actor,
    call: Call,
    codebooks: Sequence[str] = BUILTIN_CODEBOOKS,
    question_keys: Sequence[str] | None = None,
    seed: int = DEFAULT_SEED,
    chunk_size: int = CHUNK_SIZE,
) -> AnalysisRun:
    """Create a run over the current versions and queue its chunks."""
    _require_analyst(actor)
    keys = list(question_keys or adapter.analysable_question_keys(call))
    for name in codebooks:
        adapter.load_codebook(name)  # refuse an unknown codebook now, not in a worker
    versions = adapter.run_versions(call)
    digests = SubmissionVersion.objects.filter(pk__in=versions).order_by("pk").values_list("pk", "content_hash")
    input_hash = hashlib.sha256(
        "\n".join(f"{pk}:{h}" for pk, h in digests).encode() + repr((keys, list(codebooks))).encode()
    ).hexdigest()
    run = AnalysisRun.objects.create(
        call=call,
        question_keys=keys,
        codebooks=list(codebooks),
        parameters={"seed": seed, "chunk_size": chunk_size, "fit_sample": FIT_SAMPLE, "threshold": "auto"},
        capability="lexical",
        library_version=synthesis.__version__,
        input_hash=input_hash,
        n_documents=len(versions),
        created_by=person(actor),
    )
    chunks = [versions[i : i + chunk_size] for i in range(0, len(versions), chunk_size)]
    RunChunk.objects.bulk_create(
        [RunChunk(run=run, number=n, version_ids=ids) for n, ids in enumerate(chunks)]
    )
    run.chunks_total = len(chunks)
    run.save(update_fields=["chunks_total"])
    _audit(run=run, actor=actor, action="run_started", target=f"run {run.pk}", after={"codebooks": list(codebooks)})
    transaction.on_commit(lambda: _queue_run(run))
    return run


def _queue_run(run: AnalysisRun) -> None:
    from consulta.analysis.tasks import analyse_chunk, finish_run

    chunk_ids = list(run.chunks.exclude(status=RunChunk.Status.DONE).values_list("pk", flat=True))
    if not chunk_ids:
        finish_run.enqueue(run.pk)
    for chunk_id in chunk_ids:
        analyse_chunk.enqueue(chunk_id)


def analysis_resume(*, actor, run: AnalysisRun) -> int:
    """Queue again every chunk not done (after a crash, or a worker that vanished); done ones stay."""
    _require_analyst(actor)
    _audit(run=run, actor=actor, action="run_resumed", target=f"run {run.pk}")
    with transaction.atomic():
        run = AnalysisRun.objects.select_for_update().get(pk=run.pk)
        if run.status == AnalysisRun.Status.DONE:
            return 0
        run.status = AnalysisRun.Status.RUNNING if run.chunks_done < run.chunks_total else AnalysisRun.Status.FINISHING
        run.error = ""
        run.save(update_fields=["status", "error"])
        run.chunks.exclude(status=RunChunk.Status.DONE).update(status=RunChunk.Status.PENDING, attempts=0, error="")
    _queue_run(run)
    return run.chunks.exclude(status=RunChunk.Status.DONE).count()


def _fitted_coder(run_id: int, codebook_id: str, seed: int) -> ZeroShotCoder:
    run = AnalysisRun.objects.only("input_hash").get(pk=run_id)
    return _fitted_coder_cached(run_id, run.input_hash, codebook_id, seed)


@lru_cache(maxsize=16)
def _fitted_coder_cached(run_id: int, input_hash: str, codebook_id: str, seed: int) -> ZeroShotCoder:
    """The same coder in every worker: fitted on the run's deterministic corpus sample."""
    run = AnalysisRun.objects.get(pk=run_id)
    versions = adapter.run_versions(run.call) if not run.chunks.exists() else sorted(
        v for ids in run.chunks.values_list("version_ids", flat=True) for v in ids
    )
    if len(versions) > FIT_SAMPLE:
        versions = sorted(versions, key=lambda v: hashlib.sha256(f"{seed}:{v}".encode()).hexdigest())[:FIT_SAMPLE]
    corpus = adapter.documents(versions, run.question_keys)
    return ZeroShotCoder(adapter.load_codebook(codebook_id), seed=seed).fit(corpus)


def analysis_chunk(*, chunk_id: int) -> None:
    """Code one chunk with every codebook of its run; the last chunk queues the finishing step."""
    with transaction.atomic():
        chunk = RunChunk.objects.select_for_update().select_related("run").get(pk=chunk_id)
        if chunk.status == RunChunk.Status.DONE:
            return
        run = chunk.run
        chunk.status = RunChunk.Status.RUNNING
        chunk.attempts = F("attempts") + 1
        chunk.started_at = timezone.now()
        chunk.worker = f"{socket.gethostname()}:{os.getpid()}"
        chunk.save()
        AnalysisRun.objects.filter(pk=run.pk, status=AnalysisRun.Status.QUEUED).update(
            status=AnalysisRun.Status.RUNNING, started_at=timezone.now()
        )
    started = time.perf_counter()
    try:
        docs = adapter.documents(chunk.version_ids, run.question_keys)
        seed = run.parameters.get("seed", DEFAULT_SEED)
        coders = {codebook_id: _fitted_coder(run.pk, codebook_id, seed) for codebook_id in run.codebooks}
        coded = code_all(coders, docs)  # each passage split and lemmatised once for every codebook
        with transaction.atomic():
            for codebook_id in run.codebooks:
                adapter.store_coded(run, codebook_id, coded[codebook_id])
            RunChunk.objects.filter(pk=chunk.pk).update(status=RunChunk.Status.DONE, finished_at=timezone.now(), error="")
            AnalysisRun.objects.filter(pk=run.pk).update(chunks_done=F("chunks_done") + 1)
    except Exception as exc:  # noqa: BLE001 - a chunk's failure is recorded and retried, never lost
        _chunk_failed(chunk.pk, exc)
        return
    finished = False
    with transaction.atomic():
        run = AnalysisRun.objects.select_for_update().get(pk=run.pk)
        run.timings[f"chunk_{chunk.number}"] = round(time.perf_counter() - started, 3)
        if run.chunks_done >= run.chunks_total and run.status == AnalysisRun.Status.RUNNING:
            run.status = AnalysisRun.Status.FINISHING
            finished = True
        run.save(update_fields=["timings", "status"])
    if finished:
        from consulta.analysis.tasks import finish_run

        transaction.on_commit(lambda: finish_run.enqueue(run.pk))


def _chunk_failed(chunk_id: int, exc: Exception) -> None:
    from consulta.analysis.tasks import analyse_chunk

    with transaction.atomic():
        chunk = RunChunk.objects.select_for_update().get(pk=chunk_id)
        chunk.error = f"{type(exc).__name__}: {exc}"[:2000]
        if chunk.attempts < MAX_ATTEMPTS:
            chunk.status = RunChunk.Status.PENDING
            chunk.save(update_fields=["error", "status"])
            transaction.on_commit(lambda: analyse_chunk.enqueue(chunk_id))
        else:
            chunk.status = RunChunk.Status.FAILED
            chunk.save(update_fields=["error", "status"])
            AnalysisRun.objects.filter(pk=chunk.run_id).update(
                status=AnalysisRun.Status.FAILED,
                error=_("Chunk %(n)s failed %(a)s times: %(e)s") % {"n": chunk.number, "a": chunk.attempts, "e": chunk.error},
            )


def analysis_finish(*, run_id: int) -> None:
    """Duplicates, campaigns and candidate themes need the whole corpus at once."""
    run = AnalysisRun.objects.get(pk=run_id)
    if run.status == AnalysisRun.Status.DONE:
        return
    seed = run.parameters.get("seed", DEFAULT_SEED)
    started = time.perf_counter()
    try:
        versions = sorted(v for ids in run.chunks.values_list("version_ids", flat=True) for v in ids)
        responses = adapter.response_documents(versions, run.question_keys)
        groups = DuplicateFinder(seed=seed).fit(responses).groups_ if responses else []
        answers = adapter.documents(versions, run.question_keys)
        discovery = ThemeDiscoverer(seed=seed).fit(answers).result_ if len(answers) >= 10 else None
        with transaction.atomic():
            adapter.store_duplicates(run, groups)
            if discovery is not None:
                adapter.store_themes(run, discovery)
            run = AnalysisRun.objects.select_for_update().get(pk=run_id)
            run.timings["finish"] = round(time.perf_counter() - started, 3)
            if discovery is not None:
                run.parameters = {**run.parameters, "unassigned_share": discovery.unassigned_share}
            run.status = AnalysisRun.Status.DONE
            run.finished_at = timezone.now()
            run.save()
    except Exception as exc:  # noqa: BLE001
        AnalysisRun.objects.filter(pk=run_id).update(
            status=AnalysisRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise


def analysis_run_inline(*, run: AnalysisRun, progress=None) -> AnalysisRun:
    """Do a run's work in this process (``consulta analyse --wait`` with no worker running)."""
    for chunk in run.chunks.exclude(status=RunChunk.Status.DONE).order_by("number"):
        analysis_chunk(chunk_id=chunk.pk)
        if progress:
            progress(AnalysisRun.objects.get(pk=run.pk))
    run.refresh_from_db()
    if run.status in (AnalysisRun.Status.FINISHING, AnalysisRun.Status.RUNNING) and run.chunks_done >= run.chunks_total:
        analysis_finish(run_id=run.pk)
    run.refresh_from_db()
    if progress:
        progress(run)
    return run


# ------------------------------------------------------------------------------------------ review


def latest_run(call: Call) -> AnalysisRun | None:
    return AnalysisRun.objects.filter(call=call, status=AnalysisRun.Status.DONE).order_by("-finished_at", "-pk").first()


@transaction.atomic
def code_add(*, actor, run: AnalysisRun, version: SubmissionVersion, question_key: str, codebook: str, code: str) -> CodeAssignment:
    _require_analyst(actor)
    book = adapter.load_codebook(codebook)
    if code not in book.code_ids:
        raise ValidationError(_("“%(code)s” is not a code of %(book)s.") % {"code": code, "book": codebook})
    if question_key not in run.question_keys:
        raise ValidationError(_("This run did not analyse the question “%(key)s”.") % {"key": question_key})
    row, created = CodeAssignment.objects.get_or_create(
        run=run, version=version, question_key=question_key, codebook=codebook, code=code,
        defaults={"source": CodeAssignment.Source.ANALYST, "assigned_by": person(actor), "capability": "analyst"},
    )
    before = None if created else {"removed": row.removed, "source": row.source}
    if not created and row.removed:
        row.removed = False
        row.removed_by = None
        row.save()
    _audit(run=run, actor=actor, action="code_added", target=f"{version.pk}:{question_key}:{codebook}:{code}",
           before=before, after={"removed": False, "source": row.source})
    return row


@transaction.atomic
def code_remove(*, actor, assignment: CodeAssignment) -> CodeAssignment:
    _require_analyst(actor)
    assignment = CodeAssignment.objects.select_for_update().get(pk=assignment.pk)
    before = {"removed": assignment.removed, "source": assignment.source}
    if assignment.source == CodeAssignment.Source.ANALYST:
        target = f"{assignment.version_id}:{assignment.question_key}:{assignment.codebook}:{assignment.code}"
        assignment.delete()
        _audit(run=assignment.run, actor=actor, action="code_removed", target=target, before=before, after=None)
        return assignment
    assignment.removed = True
    assignment.removed_by = person(actor)
    assignment.save()
    _audit(run=assignment.run, actor=actor, action="code_removed",
           target=f"{assignment.version_id}:{assignment.question_key}:{assignment.codebook}:{assignment.code}",
           before=before, after={"removed": True})
    return assignment


@transaction.atomic
def response_review(*, actor, run: AnalysisRun, version: SubmissionVersion, reviewed: bool = True,
                    flags: Sequence[str] = (), note: str = "") -> ResponseReview:
    _require_analyst(actor)
    review, _created = ResponseReview.objects.select_for_update().get_or_create(run=run, version=version)
    before = {"reviewed": bool(review.reviewed_at), "flags": review.flags, "note": review.note}
    review.reviewed_by = person(actor) if reviewed else None
    review.reviewed_at = timezone.now() if reviewed else None
    review.flags = sorted(set(flags))
    review.note = note
    review.save()
    _audit(run=run, actor=actor, action="response_reviewed", target=str(version.pk), before=before,
           after={"reviewed": reviewed, "flags": review.flags, "note": note})
    return review


def reviewed_share(run: AnalysisRun) -> float:
    total = run.n_documents or 0
    if not total:
        return 0.0
    done = ResponseReview.objects.filter(run=run, reviewed_at__isnull=False).count()
    return round(done / total, 4)


@transaction.atomic
def theme_rename(*, actor, theme: Theme, label: str) -> Theme:
    _require_analyst(actor)
    label = label.strip()
    if not label:
        raise ValidationError(_("A theme needs a name."))
    before = {"label": theme.label}
    theme.label = label[:200]
    theme.save(update_fields=["label"])
    _audit(run=theme.run, actor=actor, action="theme_renamed", target=theme.key, before=before, after={"label": theme.label})
    return theme


@transaction.atomic
def theme_discard(*, actor, theme: Theme) -> Theme:
    _require_analyst(actor)
    before = {"state": theme.state}
    theme.state = Theme.State.DISCARDED
    theme.save(update_fields=["state"])
    _audit(run=theme.run, actor=actor, action="theme_discarded", target=theme.key, before=before, after={"state": theme.state})
    return theme


@transaction.atomic
def theme_merge(*, actor, themes: Sequence[Theme], label: str) -> Theme:
    """Fold several candidate themes into the first; the others keep a pointer to it."""
    _require_analyst(actor)
    if len(themes) < 2:
        raise ValidationError(_("Choose at least two themes to merge."))
    if len({t.run_id for t in themes}) != 1 or any(t.state != Theme.State.CANDIDATE for t in themes):
        raise ValidationError(_("Only candidate themes of the same run can be merged."))
    target, *others = themes
    from consulta.analysis.models import ThemeMember

    for other in others:
        for member in other.members.all():
            ThemeMember.objects.get_or_create(theme=target, version_id=member.version_id, question_key=member.question_key)
        other.state = Theme.State.MERGED
        other.merged_into = target
        other.save(update_fields=["state", "merged_into"])
    target.keywords = list(dict.fromkeys([*target.keywords, *[k for o in others for k in o.keywords]]))[:15]
    target.quotes = (target.quotes + [q for o in others for q in o.quotes])[:5]
    if label.strip():
        target.label = label.strip()[:200]
    target.save()
    _audit(run=target.run, actor=actor, action="themes_merged", target=target.key,
           before={"themes": [t.key for t in themes]}, after={"label": target.label})
    return target


@transaction.atomic
def theme_split(*, actor, theme: Theme, member_ids: Sequence[int], label: str) -> Theme:
    """Move the chosen members of a theme into a new theme."""
    _require_analyst(actor)
    members = list(theme.members.filter(pk__in=list(member_ids)))
    if not members or len(members) == theme.members.count():
        raise ValidationError(_("Choose some, but not all, of the theme's responses to split off."))
    key = f"{theme.key}.{Theme.objects.filter(run=theme.run, key__startswith=theme.key + '.').count() + 1}"
    new = Theme.objects.create(run=theme.run, key=key, label=(label.strip() or theme.label)[:200],
                               keywords=theme.keywords, capability="analyst")
    for member in members:
        member.theme = new
        member.save(update_fields=["theme"])
    _audit(run=theme.run, actor=actor, action="theme_split", target=theme.key,
           before={"size": len(members) + theme.members.count()}, after={"new": key, "moved": len(members)})
    return new
