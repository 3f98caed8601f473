"""Supervised retraining: learn from the responses analysts reviewed, recode the ones they did not.

For each codebook of a run, the analyst-reviewed answers and their current codes (machine codes
kept, analysts' additions, removals left out) train a ``synthesis.coding.SupervisedCoder``. The
coder then replaces the machine codes of every unreviewed response; reviewed responses, analysts'
own codes and codes an analyst removed stay exactly as they are.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consulta.analysis import adapter
from consulta.analysis.models import AnalysisRun, CodeAssignment, ResponseReview
from consulta.analysis.selectors import run_version_ids
from consulta.analysis.services import DEFAULT_SEED, _audit, _require_analyst
from synthesis.coding import SupervisedCoder

MIN_REVIEWED_ANSWERS = 20


class NotEnoughReviewed(ValidationError):
    pass


def _summary(report: dict) -> dict:
    """The headline figures of ``SupervisedCoder.cv_report_`` (JSON-safe, without per-document detail)."""
    out = {}
    for key, value in report.items():
        if isinstance(value, int | float | str):
            out[key] = value
        elif key in ("micro", "macro") and isinstance(value, dict):
            out[key] = {k: float(v) for k, v in value.items()}
    per_code = report.get("per_code")
    if isinstance(per_code, dict):
        out["codes"] = len(per_code)
    return out


def retrain(*, actor, run: AnalysisRun, min_answers: int = MIN_REVIEWED_ANSWERS) -> dict:
    """Train per codebook from reviewed answers, recode the unreviewed ones; returns the summary stored."""
    _require_analyst(actor)
    if run.status != AnalysisRun.Status.DONE:
        raise ValidationError(_("Wait until the run is done before retraining."))
    versions = run_version_ids(run)
    reviewed = set(
        ResponseReview.objects.filter(run=run, reviewed_at__isnull=False, version_id__in=versions).values_list(
            "version_id", flat=True
        )
    )
    train_docs = adapter.documents(sorted(reviewed), run.question_keys)
    if len(train_docs) < min_answers:
        raise NotEnoughReviewed(
            _(
                "Retraining needs at least %(need)s reviewed answers; %(have)s are reviewed so far. "
                "Review more responses (“Mark reviewed”) and try again."
            )
            % {"need": min_answers, "have": len(train_docs)}
        )
    unreviewed = [v for v in versions if v not in reviewed]
    targets = adapter.documents(unreviewed, run.question_keys)
    seed = run.parameters.get("seed", DEFAULT_SEED)
    started = timezone.now()
    results: dict[str, dict] = {}
    coded_by_book = {}
    for codebook_id in run.codebooks:
        book = adapter.load_codebook(codebook_id)
        labels: dict[str, set[str]] = {d.id: set() for d in train_docs}
        kept = CodeAssignment.objects.filter(
            run=run, codebook=codebook_id, removed=False, version_id__in=reviewed
        ).values_list("version_id", "question_key", "code")
        for version_id, key, code in kept:
            doc = adapter.doc_id(version_id, key)
            if doc in labels and code in book:
                labels[doc].add(code)
        coder = SupervisedCoder(book, seed=seed).fit(train_docs, labels)
        coded_by_book[codebook_id] = coder.code(targets) if targets else []
        results[codebook_id] = {**_summary(coder.cv_report_), **{k: (float(v) if k == "C" else v) for k, v in coder.cv_params_.items()}}
    with transaction.atomic():
        for codebook_id, coded in coded_by_book.items():
            CodeAssignment.objects.filter(
                run=run, codebook=codebook_id, version_id__in=unreviewed,
                source=CodeAssignment.Source.MACHINE, removed=False,
            ).delete()
            rows = []
            for item in coded:
                version_id, key = adapter.split_doc_id(item.id)
                for a in item.codes:
                    rows.append(
                        CodeAssignment(
                            run=run, version_id=version_id, question_key=key, codebook=codebook_id, code=a.code,
                            score=a.score, spans=[list(s) for s in a.spans], explanation=a.explanation,
                            capability=a.source,
                        )
                    )
            # A code an analyst removed, or added himself, keeps its row: conflicts are skipped.
            CodeAssignment.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        summary = {
            "at": started.isoformat(),
            "by": getattr(actor, "username", ""),
            "trained_on_answers": len(train_docs),
            "trained_on_responses": len(reviewed),
            "recoded_answers": len(targets),
            "codebooks": results,
        }
        run = AnalysisRun.objects.select_for_update().get(pk=run.pk)
        run.parameters = {**run.parameters, "retrain": summary}
        run.save(update_fields=["parameters"])
        _audit(run=run, actor=actor, action="retrained", target=f"run {run.pk}",
               before={"reviewed_responses": len(reviewed)},
               after={"recoded_answers": len(targets), "codebooks": list(results)})
    return summary
