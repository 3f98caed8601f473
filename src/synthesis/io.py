"""The only module of ``synthesis`` that reads or writes files.

Everything else works on plain data; keeping I/O here makes the library easy to embed (the Django
adapter never touches files) and output byte-identical (one canonical JSON writer).

Sections: packaged resources (codebooks, stop words, the Chinese dictionary), JSON and JSONL,
documents and labels. Other owners add their own sections at the end (model persistence, HTTP).
"""

from __future__ import annotations

import io as _io
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields, is_dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO, Any

import yaml

from synthesis.codebook import BUILTIN_CODEBOOKS, Codebook, CodebookError
from synthesis.text import LANGUAGES, Document

PathOrStream = str | Path | IO[str] | IO[bytes]


class InputError(ValueError):
    """Bad input data; the message names the file, line and reason."""


# --------------------------------------------------------------------------------------------
# Packaged resources
# --------------------------------------------------------------------------------------------


def _package_file(*parts: str):
    return resources.files("synthesis").joinpath(*parts)


def builtin_codebook_names() -> tuple[str, ...]:
    """Built-in codebooks actually shipped (the contract list, filtered to present files)."""
    return tuple(
        name for name in BUILTIN_CODEBOOKS if _package_file("codebooks", f"{name}.yaml").is_file()
    )


def read_codebook(name_or_path: str | Path) -> Codebook:
    """A built-in codebook by id, or a YAML/JSON codebook file by path."""
    path = Path(name_or_path)
    if isinstance(name_or_path, str) and name_or_path in BUILTIN_CODEBOOKS and not path.exists():
        packaged = _package_file("codebooks", f"{name_or_path}.yaml")
        if not packaged.is_file():
            raise CodebookError(f"built-in codebook {name_or_path!r} is not installed")
        return _codebook_from_text(packaged.read_text(encoding="utf-8"), name_or_path)
    if not path.is_file():
        raise CodebookError(
            f"no codebook {str(name_or_path)!r}: not a file and not a built-in codebook "
            f"({', '.join(BUILTIN_CODEBOOKS)})"
        )
    return _codebook_from_text(path.read_text(encoding="utf-8"), str(path))


def _codebook_from_text(text: str, source: str) -> Codebook:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CodebookError(f"{source}: not valid YAML: {exc}") from None
    try:
        return Codebook.from_dict(data)
    except CodebookError as exc:
        raise CodebookError(f"{source}: {exc}") from None


def write_codebook(codebook: Codebook, path: str | Path) -> None:
    text = yaml.safe_dump(
        codebook.to_dict(), allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )
    Path(path).write_text(text, encoding="utf-8")


@cache
def read_stopwords(language: str) -> frozenset[str]:
    """Packaged stop-word list (one word a line, '#' comments); empty for unknown languages."""
    resource = _package_file("stopwords", f"{language}.txt")
    if language not in LANGUAGES or not resource.is_file():
        return frozenset()
    words = set()
    for line in resource.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.add(word)
    return frozenset(words)


_JIEBA = None


def jieba_tokenizer():
    """An initialised jieba tokenizer that neither reads nor writes jieba's /tmp cache.

    jieba normally pickles its prefix dictionary into the temp directory; building it from the
    packaged dictionary instead costs about a second once per process and keeps all file access
    here (read-only, inside the installed jieba package).
    """
    global _JIEBA
    if _JIEBA is None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        with tokenizer.get_dict_file() as handle:
            tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(handle)
        tokenizer.initialized = True
        _JIEBA = tokenizer
    return _JIEBA


# --------------------------------------------------------------------------------------------
# JSON and JSONL
# --------------------------------------------------------------------------------------------


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, tuples, sets and mappings as plain JSON values (sets sorted)."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return {
            f.name: to_jsonable(getattr(obj, f.name))
            for f in fields(obj)
            if not f.name.startswith("_")
        }
    if isinstance(obj, Mapping):
        return {str(key): to_jsonable(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(value) for value in obj]
    if isinstance(obj, set | frozenset):
        return sorted(to_jsonable(value) for value in obj)
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        return obj.item()
    if hasattr(obj, "tolist") and callable(obj.tolist):  # numpy arrays
        return obj.tolist()
    return obj


def dumps(obj: Any) -> str:
    """Canonical JSON text: sorted keys, UTF-8 characters kept, compact separators."""
    return json.dumps(
        to_jsonable(obj),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    )


def _is_binary(stream: IO) -> bool:
    if isinstance(stream, _io.TextIOBase):
        return False
    if isinstance(stream, _io.BufferedIOBase | _io.RawIOBase):
        return True
    return "b" in str(getattr(stream, "mode", ""))


def _text_stream(stream: IO) -> IO[str]:
    if _is_binary(stream):
        return _io.TextIOWrapper(stream, encoding="utf-8-sig")
    return stream


def write_json(obj: Any, stream: PathOrStream | None = None) -> None:
    """One canonical JSON document and a newline; a path is written as UTF-8."""
    text = dumps(obj) + "\n"
    if isinstance(stream, str | Path):
        Path(stream).write_text(text, encoding="utf-8")
        return
    out = sys.stdout if stream is None else stream
    if _is_binary(out):
        out.write(text.encode("utf-8"))
    else:
        out.write(text)


def write_jsonl(records: Iterable[Any], stream: PathOrStream | None = None) -> None:
    """One canonical JSON object per line (see ``dumps``)."""
    if isinstance(stream, str | Path):
        with open(stream, "w", encoding="utf-8", newline="\n") as out:
            write_jsonl(records, out)
        return
    out = sys.stdout if stream is None else stream
    binary = _is_binary(out)
    for record in records:
        line = dumps(record) + "\n"
        out.write(line.encode("utf-8") if binary else line)


def read_json(path_or_stream: PathOrStream) -> Any:
    source = _source_name(path_or_stream)
    try:
        if isinstance(path_or_stream, str | Path):
            text = _read_path(path_or_stream)
        elif _is_binary(path_or_stream):
            text = path_or_stream.read().decode("utf-8-sig")
        else:
            text = path_or_stream.read()
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not valid JSON: {exc}") from None


def _source_name(path_or_stream: Any) -> str:
    if isinstance(path_or_stream, str | Path):
        return str(path_or_stream)
    return str(getattr(path_or_stream, "name", "<stream>"))


def _read_path(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a file") from None


def read_jsonl(path_or_stream: PathOrStream) -> Iterator[dict]:
    """Objects from a JSON Lines file or stream; blank lines are skipped.

    Raises InputError naming the line number and the reason.
    """
    for _number, record in _numbered(path_or_stream):
        yield record


def _numbered(path_or_stream: PathOrStream) -> Iterator[tuple[int, dict]]:
    """JSONL records with their physical line numbers."""
    source = _source_name(path_or_stream)
    if isinstance(path_or_stream, str | Path):
        try:
            handle = open(path_or_stream, encoding="utf-8-sig")  # noqa: SIM115
        except FileNotFoundError:
            raise InputError(f"{source}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{source}: is a directory, expected a file") from None
        with handle:
            yield from _iter_jsonl(handle, source)
    elif _is_binary(path_or_stream):
        wrapper = _text_stream(path_or_stream)
        try:
            yield from _iter_jsonl(wrapper, source)
        finally:
            wrapper.detach()  # the caller's stream stays open
    else:
        yield from _iter_jsonl(path_or_stream, source)


def _iter_jsonl(lines: Iterable[str], source: str) -> Iterator[tuple[int, dict]]:
    number = 0
    iterator = iter(lines)
    while True:
        number += 1
        try:
            line = next(iterator)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}, line {number}: not UTF-8 text ({exc.reason})") from None
        if number == 1:
            line = line.lstrip("\ufeff")
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{source}, line {number}: invalid JSON: {exc.msg}") from None
        if not isinstance(record, dict):
            raise InputError(
                f"{source}, line {number}: expected a JSON object, got {type(record).__name__}"
            )
        yield number, record


# --------------------------------------------------------------------------------------------
# Documents, labels and code sets
# --------------------------------------------------------------------------------------------

_DOCUMENT_FIELDS = ("id", "text", "language", "meta", "codes")


def _record_id(record: dict, where: str) -> str:
    if "id" not in record:
        raise InputError(f"{where}: missing field 'id'")
    value = record["id"]
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError(f"{where}: field 'id' must be a string, got {type(value).__name__}")
    value = str(value)
    if not value:
        raise InputError(f"{where}: field 'id' is empty")
    return value


def _meta_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def document_from_record(record: Mapping, where: str = "record") -> Document:
    """A Document from one input object; other scalar fields (stakeholder_type, ...) go to meta."""
    doc_id = _record_id(dict(record), where)
    where = f"{where} (id {doc_id!r})"
    if "text" not in record:
        raise InputError(f"{where}: missing field 'text'")
    text = record["text"]
    if not isinstance(text, str):
        raise InputError(f"{where}: field 'text' must be a string, got {type(text).__name__}")
    language = record.get("language")
    if language in ("", None):
        language = None
    elif language not in (*LANGUAGES, "other"):
        raise InputError(
            f"{where}: field 'language' must be one of {', '.join(LANGUAGES)}, other "
            f"(or absent to detect it), got {language!r}"
        )
    meta: dict[str, str] = {}
    raw_meta = record.get("meta")
    if raw_meta is not None:
        if not isinstance(raw_meta, Mapping):
            raise InputError(f"{where}: field 'meta' must be an object")
        for key, value in raw_meta.items():
            converted = _meta_value(value)
            if converted is not None:
                meta[str(key)] = converted
    for key, value in record.items():
        if key in _DOCUMENT_FIELDS:
            continue
        converted = _meta_value(value)
        if converted is not None:
            meta.setdefault(str(key), converted)
    return Document(id=doc_id, text=text, language=language, meta=dict(sorted(meta.items())))


def read_documents(path_or_stream: PathOrStream) -> list[Document]:
    """Documents from JSONL lines ``{"id", "text", "language"?, "meta"?, ...}``.

    Extra scalar fields become meta (e.g. stakeholder_type, region, question). Duplicate ids are
    refused, naming both lines.
    """
    source = _source_name(path_or_stream)
    documents: list[Document] = []
    seen: dict[str, int] = {}
    for number, record in _numbered(path_or_stream):
        document = document_from_record(record, f"{source}, line {number}")
        if document.id in seen:
            raise InputError(
                f"{source}, line {number}: duplicate id {document.id!r} "
                f"(first seen on line {seen[document.id]})"
            )
        seen[document.id] = number
        documents.append(document)
    return documents


def _code_list(value: Any, where: str) -> tuple[str, ...]:
    """Codes as a list of ids, or as the ``code`` output objects ``{"code", "score", ...}``."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InputError(f"{where}: field 'codes' must be a list, got {type(value).__name__}")
    out: list[str] = []
    for item in value:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Mapping) and isinstance(item.get("code"), str):
            out.append(item["code"])
        else:
            raise InputError(
                f"{where}: field 'codes' must hold code ids or objects with 'code', got {item!r}"
            )
    return tuple(sorted(set(out)))


def read_code_sets(path_or_stream: PathOrStream) -> dict[str, tuple[str, ...]]:
    """``{id: codes}`` from lines ``{"id", "codes"}`` (gold files or ``synthesis code`` output)."""
    source = _source_name(path_or_stream)
    out: dict[str, tuple[str, ...]] = {}
    for number, record in _numbered(path_or_stream):
        where = f"{source}, line {number}"
        doc_id = _record_id(record, where)
        if doc_id in out:
            raise InputError(f"{where}: duplicate id {doc_id!r}")
        if "codes" not in record:
            raise InputError(f"{where}: missing field 'codes'")
        out[doc_id] = _code_list(record["codes"], where)
    return out


def read_labelled_documents(
    path_or_stream: PathOrStream,
) -> tuple[list[Document], dict[str, tuple[str, ...]]]:
    """Training data: lines ``{"id", "text", "codes": [ids], "language"?}``."""
    source = _source_name(path_or_stream)
    documents: list[Document] = []
    labels: dict[str, tuple[str, ...]] = {}
    for number, record in _numbered(path_or_stream):
        where = f"{source}, line {number}"
        document = document_from_record(record, where)
        if document.id in labels:
            raise InputError(f"{where}: duplicate id {document.id!r}")
        if "codes" not in record:
            raise InputError(f"{where}: missing field 'codes'")
        labels[document.id] = _code_list(record["codes"], where)
        documents.append(document)
    return documents, labels


# ============================================================================================
# Sections added by other owners go below this line, each under its own banner:
#   "Model persistence (owner: coding)": save_model(coder, dir), load_model(dir)
#   "LLM HTTP client (owner: coding)": openai_compatible_chat(...)
# ============================================================================================


# ============================================================================================
# Model persistence (owner: coding)
# ============================================================================================
# A model directory holds model.json (parameters, codebook, vocabularies, cross-validation
# report) and arrays.npz (weights, calibration, idf). No pickle: loading a model from someone
# else cannot run their code, and the format stays readable across library versions.

MODEL_FORMAT = "consulta-synthesis-model"
MODEL_FORMAT_VERSION = 1


def save_model(coder: Any, directory: str | Path) -> None:
    """Write a fitted coder (anything with ``get_state()``) to ``directory`` (created)."""
    import numpy as np

    meta, arrays = coder.get_state()
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    document = {"format": MODEL_FORMAT, "format_version": MODEL_FORMAT_VERSION, "model": meta}
    (path / "model.json").write_text(dumps(document) + "\n", encoding="utf-8")
    with open(path / "arrays.npz", "wb") as handle:
        np.savez_compressed(handle, **{key: np.asarray(value) for key, value in arrays.items()})


def load_model(directory: str | Path, *, embedder: Any = None) -> Any:
    """A coder saved by :func:`save_model`; ``embedder`` when it was trained with one."""
    import numpy as np

    path = Path(directory)
    meta_path, arrays_path = path / "model.json", path / "arrays.npz"
    if not meta_path.is_file() or not arrays_path.is_file():
        raise InputError(f"{path}: not a model directory (needs model.json and arrays.npz)")
    try:
        document = json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{meta_path}: not valid JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != MODEL_FORMAT:
        raise InputError(f"{meta_path}: not a {MODEL_FORMAT} file")
    if document.get("format_version") != MODEL_FORMAT_VERSION:
        raise InputError(
            f"{meta_path}: model format version {document.get('format_version')!r}; "
            f"this installation reads version {MODEL_FORMAT_VERSION}"
        )
    with np.load(arrays_path, allow_pickle=False) as stored:
        arrays = {key: stored[key] for key in stored.files}
    meta = document["model"]
    from synthesis import coding

    if meta.get("kind") == "supervised":
        return coding.SupervisedCoder.from_state(meta, arrays, embedder=embedder)
    raise InputError(f"{meta_path}: unknown model kind {meta.get('kind')!r}")


# ============================================================================================
# LLM HTTP client (owner: coding)
# ============================================================================================
# Optional: an OpenAI-compatible /v1/chat/completions endpoint (a local server or a hosted one)
# may suggest theme labels and summaries. Never required, never called unless asked, and never
# used to decide codes.


class LLMError(RuntimeError):
    """The language-model endpoint could not be reached or answered nonsense."""


def openai_compatible_chat(
    messages: Iterable[Mapping[str, str]],
    *,
    base_url: str,
    model: str,
    api_key: str | None = None,
    temperature: float = 0.0,
    max_tokens: int = 256,
    seed: int | None = 0,
    timeout: float = 60.0,
) -> str:
    """The assistant's reply text from an OpenAI-compatible chat-completions endpoint (urllib).

    ``base_url`` is the server root, e.g. ``http://localhost:8000`` or ``.../v1``. Temperature 0
    and a fixed seed ask for repeatable answers (servers may still vary).
    """
    import urllib.error
    import urllib.request

    url = base_url.rstrip("/")
    if not url.endswith("/v1"):
        url += "/v1"
    url += "/chat/completions"
    if not url.startswith(("http://", "https://")):
        raise LLMError(f"base_url must be an http(s) URL, got {base_url!r}")
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
        "temperature": temperature,
        "max_tokens": max_tokens,
    }
    if seed is not None:
        body["seed"] = seed
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            payload = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise LLMError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise LLMError(f"{url}: {exc}") from None
    except json.JSONDecodeError:
        raise LLMError(f"{url}: the answer is not JSON") from None
    try:
        return str(payload["choices"][0]["message"]["content"]).strip()
    except (KeyError, IndexError, TypeError):
        raise LLMError(f"{url}: no choices[0].message.content in the answer") from None
