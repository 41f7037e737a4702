"""Read the next batch of rows while the caller works on this one.

A large export spends its time in two places: waiting for the database to send the next
batch of rows, and turning rows into CSV text in Python. Done one after the other, the
waits add up (a third of a PostgreSQL research export). psycopg waits for a whole batch
without the GIL, so a thread that fetches batch n+1 while the caller formats batch n
overlaps the two. SQLite's driver gives the GIL up and takes it back for every row, so
there a reading thread only competes with the caller: the exports of :mod:`edu.services.gradebook`
read SQLite rows in line.

The thread is the only user of the result while the caller iterates, and it has finished
(or was stopped and joined) before ``prefetched`` returns, so the connection is never used
from two threads at once.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

_END = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetched(batches: Iterable[Sequence[T]], depth: int = 2) -> Iterator[T]:
    """Yield every item of ``batches``, fetching up to ``depth`` batches ahead in a thread.

    An exception raised while fetching is raised here, in the caller's thread. When the
    caller stops early (or closes this generator), the thread stops after the batch it is
    reading and closes ``batches`` (so a database result is closed as it would have been).
    """
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        iterator = iter(batches)
        try:
            for batch in iterator:
                if not hand_over(batch):
                    return
            hand_over(_END)
        except BaseException as error:  # handed to the caller's thread, raised there
            hand_over(_Failure(error))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="edu-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield from item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
