"""The cyclic garbage collector, paused over the library's large batch loops.

Coding, duplicate detection, discovery and aggregation allocate millions of small acyclic
containers (tuples, lists, frozen dataclasses). Each burst of allocations starts a collection
that walks every live object, the documents and the word caches included: on 20,000 responses
that was a fifth to a third of coding (bench/RESULTS.md, "Scale"). Reference counting still
frees what they drop; a cycle made meanwhile waits for the collector's next run after the loop.
Code called from inside (an optional embedder or labeller, worker processes forked for the call)
runs with the collector paused too, until the call returns.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def paused() -> Iterator[None]:
    """Collector off for the block; restored on the way out, also on error. Nesting is free:
    only the outermost block turns it back on, and a caller's ``gc.disable()`` is respected."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def pausing(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused():
            return func(*args, **kwargs)

    return wrapper
