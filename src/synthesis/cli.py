"""The ``synthesis`` console script: the library on JSON Lines files, no Django, no database.

    synthesis code --codebook NAME|FILE [--model DIR] IN.jsonl      -> JSONL, one line per text
    synthesis train --codebook NAME|FILE --labels LABELS.jsonl --out DIR
    synthesis discover IN.jsonl                                       -> JSON themes
    synthesis duplicates IN.jsonl                                     -> JSON groups
    synthesis evaluate --gold GOLD.jsonl --pred PRED.jsonl            -> JSON metrics

Results go to stdout as canonical JSON (same input, parameters and seed: same bytes); progress and
errors go to stderr. Errors exit with status 2 and a one-line message, never a traceback.
``IN.jsonl`` may be ``-`` for standard input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from synthesis import __version__

CHUNK = 10_000


class UsageError(Exception):
    """A problem the user can fix; reported without a traceback."""


def _documents(path: str) -> list:
    from synthesis import io
    from synthesis.text import detect_languages

    documents = io.read_documents(sys.stdin if path == "-" else path)
    missing = [i for i, d in enumerate(documents) if d.language is None]
    if missing:
        languages = detect_languages([documents[i].text for i in missing])
        for i, language in zip(missing, languages, strict=True):
            documents[i] = replace(documents[i], language=language)
    return documents


def _progress(total: int, args: argparse.Namespace, desc: str):
    """A progress bar on stderr (only on a terminal, never with --quiet), or None."""
    if args.quiet or total < CHUNK:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="text", file=sys.stderr, disable=None)


def _assignment_json(assignment: Any) -> dict:
    out = {
        "code": assignment.code,
        "score": assignment.score,
        "spans": [list(span) for span in assignment.spans],
    }
    for extra in ("explanation", "source"):
        value = getattr(assignment, extra, None)
        if value not in (None, ""):
            out[extra] = value
    return out


def _coded_json(coded: Any) -> dict:
    return {
        "id": coded.id,
        "language": coded.language,
        "codes": [_assignment_json(a) for a in coded.codes],
    }


def _cmd_code(args: argparse.Namespace) -> int:
    from synthesis import io

    if args.jobs < 1:
        raise UsageError(f"--jobs must be 1 or more, not {args.jobs}")
    if args.jobs > 1 and args.model:
        raise UsageError("--jobs applies to zero-shot coding; a trained model codes in one process")
    codebook = io.read_codebook(args.codebook)
    from synthesis import coding

    documents = _documents(args.input)
    if args.model:
        if not hasattr(io, "load_model"):
            raise UsageError("this installation cannot load models (synthesis.io.load_model)")
        coder = io.load_model(args.model)
        model_codebook = getattr(coder, "codebook", None)
        if model_codebook is not None and model_codebook.id != codebook.id:
            raise UsageError(
                f"the model in {args.model} was trained with codebook {model_codebook.id!r}, "
                f"not {codebook.id!r}"
            )
    else:
        params: dict[str, Any] = {"seed": args.seed}
        if args.threshold is not None:
            params["threshold"] = args.threshold
        coder = coding.ZeroShotCoder(codebook, **params).fit(documents)
    bar = _progress(len(documents), args, "coding")
    chunk_size = CHUNK * args.jobs
    for start in range(0, len(documents), chunk_size):
        chunk = documents[start : start + chunk_size]
        if args.jobs > 1:
            coded = coding.code_all({"": coder}, chunk, n_jobs=args.jobs)[""]
        else:
            coded = coder.code(chunk)
        io.write_jsonl((_coded_json(c) for c in coded), sys.stdout)
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from synthesis import io

    codebook = io.read_codebook(args.codebook)
    from synthesis import coding

    if not hasattr(io, "save_model"):
        raise UsageError("this installation cannot save models (synthesis.io.save_model)")
    path = sys.stdin if args.labels == "-" else args.labels
    documents, labels = io.read_labelled_documents(path)
    for doc_id, codes in labels.items():
        unknown = [code for code in codes if code not in codebook]
        if unknown:
            raise UsageError(
                f"{args.labels}: document {doc_id!r} has code(s) not in codebook "
                f"{codebook.id!r}: {', '.join(unknown)}"
            )
    missing = [i for i, d in enumerate(documents) if d.language is None]
    if missing:
        from synthesis.text import detect_languages

        languages = detect_languages([documents[i].text for i in missing])
        for i, language in zip(missing, languages, strict=True):
            documents[i] = replace(documents[i], language=language)
    coder = coding.SupervisedCoder(codebook, seed=args.seed, cv_folds=args.cv_folds)
    coder.fit(documents, labels)
    io.save_model(coder, args.out)
    report = getattr(coder, "cv_report_", None)
    io.write_json({"model": str(args.out), "codebook": codebook.id, "cv_report": report})
    return 0


def _cmd_discover(args: argparse.Namespace) -> int:
    from synthesis import discovery, io

    documents = _documents(args.input)
    params: dict[str, Any] = {"seed": args.seed}
    if args.n_themes != "auto":
        try:
            params["n_themes"] = int(args.n_themes)
        except ValueError:
            raise UsageError(
                f"--n-themes must be 'auto' or a number, got {args.n_themes!r}"
            ) from None
    result = discovery.ThemeDiscoverer(**params).fit(documents).result_
    io.write_json(
        {
            "themes": [
                {
                    "id": theme.id,
                    "label": theme.label,
                    "keywords": list(theme.keywords),
                    "size": theme.size,
                    "members": list(theme.members),
                    "quotes": [{"id": q.id, "span": list(q.span)} for q in theme.quotes],
                    "source": theme.source,
                }
                for theme in result.themes
            ],
            "unassigned": list(result.unassigned),
            "unassigned_share": result.unassigned_share,
            "capability": result.capability,
        }
    )
    return 0


def _cmd_duplicates(args: argparse.Namespace) -> int:
    from synthesis import duplicates, io

    documents = _documents(args.input)
    finder = duplicates.DuplicateFinder(
        threshold=args.threshold, campaign_min_size=args.campaign_min_size, seed=args.seed
    ).fit(documents)
    io.write_json(
        {
            "groups": [
                {"kind": g.kind, "members": list(g.members), "representative": g.representative}
                for g in finder.groups_
            ]
        }
    )
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from synthesis import io
    from synthesis.evaluate import multilabel_scores

    gold = io.read_code_sets(args.gold)
    pred = io.read_code_sets(args.pred)
    if not gold:
        raise UsageError(f"{args.gold}: no gold records")
    io.write_json(multilabel_scores(gold, pred))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synthesis",
        description="Code, explore and evaluate consultation responses (JSON Lines in, JSON out).",
    )
    parser.add_argument("--version", action="version", version=f"synthesis {__version__}")
    parser.add_argument("--traceback", action="store_true", help=argparse.SUPPRESS)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bar on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    code = sub.add_parser(
        "code",
        parents=[common],
        help="assign codebook codes to texts (JSONL out)",
        description="Code each text of IN.jsonl ({id, text, language?}) against a codebook.",
    )
    code.add_argument("--codebook", required=True, metavar="NAME|FILE")
    code.add_argument("--model", metavar="DIR", help="a model directory made by 'train'")
    code.add_argument("--threshold", type=float, help="zero-shot score threshold (default auto)")
    code.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="code in N processes (same output; default 1)"
    )
    code.add_argument("input", metavar="IN.jsonl")
    code.set_defaults(run=_cmd_code)

    train = sub.add_parser(
        "train",
        parents=[common],
        help="train a supervised coder from coded examples",
        description="Train on LABELS.jsonl ({id, text, codes: [ids]}) and save a model.",
    )
    train.add_argument("--codebook", required=True, metavar="NAME|FILE")
    train.add_argument("--labels", required=True, metavar="LABELS.jsonl")
    train.add_argument("--out", required=True, metavar="DIR")
    train.add_argument("--cv-folds", type=int, default=5, help="cross-validation folds")
    train.set_defaults(run=_cmd_train)

    discover = sub.add_parser(
        "discover",
        parents=[common],
        help="find candidate themes in uncoded texts",
    )
    discover.add_argument("--n-themes", default="auto", help="'auto' (default) or a number")
    discover.add_argument("input", metavar="IN.jsonl")
    discover.set_defaults(run=_cmd_discover)

    dup = sub.add_parser(
        "duplicates",
        parents=[common],
        help="find exact and near duplicates and campaigns",
    )
    dup.add_argument("--threshold", type=float, default=0.8, help="near-duplicate similarity")
    dup.add_argument("--campaign-min-size", type=int, default=5)
    dup.add_argument("input", metavar="IN.jsonl")
    dup.set_defaults(run=_cmd_duplicates)

    evaluate = sub.add_parser(
        "evaluate",
        parents=[common],
        help="compare predicted codes with gold codes",
    )
    evaluate.add_argument("--gold", required=True, metavar="GOLD.jsonl")
    evaluate.add_argument("--pred", required=True, metavar="PRED.jsonl")
    evaluate.set_defaults(run=_cmd_evaluate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("synthesis: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the front end: a message, not a traceback
        if args.traceback:
            raise
        message = str(exc) or type(exc).__name__
        if isinstance(exc, ImportError):
            message = f"a required module is missing: {exc}"
        elif isinstance(exc, KeyError):
            message = str(exc.args[0]) if exc.args else message
        elif not isinstance(exc, UsageError | ValueError | OSError):
            message = f"{type(exc).__name__}: {message}"
        print(f"synthesis {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
