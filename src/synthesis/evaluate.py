"""Quality metrics for multi-label coding, shared by tests, benchmarks and the CLI.

Sample-based F1 is the headline figure because published results on open-ended survey coding
(Card and Smith 2015, the ANES benchmark) use it; micro and macro F1 and per-code figures say
where the errors are.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _round(value: float) -> float:
    return round(value, 4)


def multilabel_scores(
    gold: Mapping[str, Collection[str]], pred: Mapping[str, Collection[str]]
) -> dict:
    """Compare predicted code sets with gold ones, document by document.

    Scored over the documents in ``gold``; a document missing from ``pred`` counts as coded with
    nothing. Documents with empty gold and empty prediction score 1.0 (nothing to find, nothing
    wrongly found). Codes that never occur in gold or prediction are not in ``per_code``.
    Macro averages are over codes seen in gold or prediction. Figures are rounded to 4 decimals.
    """
    ids = sorted(gold)
    counts: dict[str, list[int]] = {}  # code -> [tp, fp, fn]
    sample_total = 0.0
    for doc_id in ids:
        truth = set(gold[doc_id])
        guess = set(pred.get(doc_id, ()))
        hits = truth & guess
        if not truth and not guess:
            sample_total += 1.0
        else:
            sample_total += 2 * len(hits) / (len(truth) + len(guess))
        for code in truth | guess:
            row = counts.setdefault(code, [0, 0, 0])
            if code in hits:
                row[0] += 1
            elif code in guess:
                row[1] += 1
            else:
                row[2] += 1
    per_code = {}
    totals = [0, 0, 0]
    macro = [0.0, 0.0, 0.0]
    for code in sorted(counts):
        tp, fp, fn = counts[code]
        precision, recall, f1 = _f1(tp, fp, fn)
        per_code[code] = {
            "precision": _round(precision),
            "recall": _round(recall),
            "f1": _round(f1),
            "support": tp + fn,
        }
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
        macro = [macro[0] + precision, macro[1] + recall, macro[2] + f1]
    micro_p, micro_r, micro_f = _f1(*totals)
    n_codes = len(counts)
    return {
        "n": len(ids),
        "sample_f1": _round(sample_total / len(ids)) if ids else 0.0,
        "micro": {"precision": _round(micro_p), "recall": _round(micro_r), "f1": _round(micro_f)},
        "macro": {
            "precision": _round(macro[0] / n_codes) if n_codes else 0.0,
            "recall": _round(macro[1] / n_codes) if n_codes else 0.0,
            "f1": _round(macro[2] / n_codes) if n_codes else 0.0,
        },
        "per_code": per_code,
        "missing_predictions": sum(1 for doc_id in ids if doc_id not in pred),
    }
