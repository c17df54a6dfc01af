"""The collection behind set_aside_long_lived meets store results of other threads."""

from __future__ import annotations

import gc
import logging
import sys
import threading
import weakref

import pyoxigraph
import pytest

from api.long_lived import set_aside_long_lived


class _Cycle:
    """An object that refers to itself, so only the cyclic collector frees it."""

    def __init__(self, held: object) -> None:
        self.me = self
        self.held = held


def _results_in_a_cycle_made_on_another_thread() -> None:
    store = pyoxigraph.Store()
    store.add(pyoxigraph.Quad(pyoxigraph.NamedNode("https://example.org/a"),
                              pyoxigraph.NamedNode("https://example.org/p"),
                              pyoxigraph.Literal("fictional")))

    def make() -> None:
        _Cycle(store.query("SELECT * WHERE { ?s ?p ?o }"))

    thread = threading.Thread(target=make)
    thread.start()
    thread.join()


def test_results_of_another_thread_give_one_log_line_not_a_traceback(
        caplog: pytest.LogCaptureFixture) -> None:
    gc.collect()
    _results_in_a_cycle_made_on_another_thread()
    with caplog.at_level(logging.WARNING, logger="tsr.api"):
        set_aside_long_lived()  # pytest turns an unraisable error into a failure
    assert [record.getMessage() for record in caplog.records] == [
        "garbage collection left 1 query result(s) of other threads unfreed"]
    gc.unfreeze()


def test_other_unraisable_errors_still_reach_the_previous_hook() -> None:
    seen: list[str] = []

    class Failing:
        def __init__(self) -> None:
            self.me = self

        def __del__(self) -> None:
            raise ValueError("fictional finaliser failure")

    original = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: seen.append(str(unraisable.exc_value))
    try:
        Failing()
        set_aside_long_lived()
    finally:
        sys.unraisablehook = original
        gc.unfreeze()
    assert seen == ["fictional finaliser failure"]


def _frozen_cycle_then_dropped() -> weakref.ref[_Cycle]:
    """A garbage cycle that was alive, and frozen, when the last snapshot was set aside."""
    gc.collect()
    cycle = _Cycle("fictional snapshot")
    gc.freeze()
    return weakref.ref(cycle)


def test_a_first_build_leaves_what_was_frozen_before_alone() -> None:
    gone = _frozen_cycle_then_dropped()
    try:
        set_aside_long_lived(replacing=False)
        assert gone() is not None  # frozen objects were not walked
    finally:
        gc.unfreeze()


def test_a_replacement_frees_the_frozen_garbage_of_the_one_before() -> None:
    gone = _frozen_cycle_then_dropped()
    try:
        set_aside_long_lived(replacing=True)
        assert gone() is None
        assert gc.get_freeze_count() > 0  # what is alive is frozen again
    finally:
        gc.unfreeze()
