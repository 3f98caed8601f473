"""The collector is paused only inside the library's batch loops and always given back."""

import gc

import pytest

from synthesis import io
from synthesis._gc import paused
from synthesis.coding import ZeroShotCoder, code_all
from synthesis.text import Document


@pytest.fixture(autouse=True)
def _collector_on():
    gc.enable()
    yield
    gc.enable()


def test_it_pauses_the_collector_inside_and_restores_it_after():
    with paused():
        assert not gc.isenabled()
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # only the outermost block turns it back on
    assert gc.isenabled()


def test_it_restores_the_collector_when_the_block_fails():
    with pytest.raises(RuntimeError), paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_it_leaves_a_callers_disabled_collector_disabled():
    gc.disable()
    with paused():
        pass
    assert not gc.isenabled()


def test_it_codes_with_the_collector_off_and_gives_it_back():
    seen = []

    class Probe(dict):
        def values(self):
            seen.append(gc.isenabled())
            return super().values()

    coder = ZeroShotCoder(io.read_codebook("trends")).fit()
    docs = [Document(id="1", text="Artificial intelligence in schools.", language="en")]
    out = code_all(Probe(trends=coder), docs)
    assert [a.code for a in out["trends"][0].codes] == ["ai"]
    assert seen and not any(seen)
    assert gc.isenabled()
