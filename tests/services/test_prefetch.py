"""``prefetched``: the items of every batch, in order, with the next batch read in a thread."""

from __future__ import annotations

import threading

import pytest

from edu.services.prefetch import prefetched


def test_every_item_comes_out_once_and_in_order():
    batches = [list(range(start, start + 7)) for start in range(0, 70, 7)]
    assert list(prefetched(batches)) == list(range(70))
    assert list(prefetched([])) == []


def test_batches_are_read_in_another_thread_ahead_of_the_caller():
    readers: list[str] = []
    seen_ahead = threading.Event()

    def batches():
        for number in range(3):
            readers.append(threading.current_thread().name)
            if number == 1:
                seen_ahead.set()  # read while the caller still holds batch 0
            yield [number]

    items = prefetched(batches())
    assert next(items) == 0
    assert seen_ahead.wait(5), "the second batch was not read ahead"
    assert list(items) == [1, 2]
    assert readers == ["edu-prefetch"] * 3


def test_an_error_while_fetching_is_raised_in_the_caller():
    def batches():
        yield [1, 2]
        raise RuntimeError("the database went away")

    items = prefetched(batches())
    assert [next(items), next(items)] == [1, 2]
    with pytest.raises(RuntimeError, match="went away"):
        next(items)


def test_stopping_early_stops_the_thread_and_closes_the_source():
    closed = threading.Event()

    def endless():
        try:
            number = 0
            while True:
                yield [number]
                number += 1
        finally:
            closed.set()

    items = prefetched(endless(), depth=1)
    assert next(items) == 0
    items.close()  # what a client that disconnects mid-download does to the export
    assert closed.is_set()
    assert not any(t.name == "edu-prefetch" for t in threading.enumerate())
