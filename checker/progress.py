"""Progress of long operations (pulling an image, unpacking a large artifact, loading an image
archive), rendered to a text stream (stderr). Pure: no engine, no threads of its own.

- `pull_events_to_progress(events)` turns the Docker Engine API's pull JSON stream (what
  `APIClient.pull(..., stream=True, decode=True)` yields) into `PullUpdate`s: bytes downloaded
  of the known total, layers done of the layers seen, the digest, the final status or the
  registry's error. It never raises on odd events; it stops after an error event.
- `Progress` renders updates of any number of items, from any number of threads:
  on a terminal one live status line (every running item, a bar each) redrawn with "\\r" at
  most `tty_interval` apart (default 0.1 s), and a permanent line when an item ends; without a
  terminal (a CI log) nothing for an operation that ends within `first_after` (0.5 s), then a
  line per item at most every `interval` seconds (default 5) and one final line:
  `pulling IMAGE: 41/117 MB, 3/5 layers` ... `pulled IMAGE: 117 MB, 5 layers in 4.2 s`.
- `track_pull(progress, image, events)` feeds one pull through both and returns the last update
  (its `error` set when the pull failed; the caller raises its own error for that).
- `Progress.say(message)` writes a permanent line (clearing and redrawing a live one), so other
  messages never tear the bar; `Progress.ticking()` runs one bounded thread that calls `tick()`
  every `tick_s`, so an item whose updates stall (a slow layer) still gets its CI-log line every
  `interval` and its elapsed time on a terminal; `CountingReader(stream, ...)` reports the bytes
  read from a file object (an archive being loaded).

Verbs say what an item is doing: ("pulling", "pulled"), ("unpacking", "unpacked"),
("loading", "loaded").
"""

from __future__ import annotations

import contextlib
import io
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import field, replace
from typing import IO, Any, TextIO

from checker.records import mutable_record, record

PULL = ("pulling", "pulled")
UNPACK = ("unpacking", "unpacked")
LOAD = ("loading", "loaded")

_DONE_STATES = frozenset({"Pull complete", "Already exists"})
_DOWNLOADED_STATES = frozenset({"Verifying Checksum", "Download complete", "Extracting"})
_BAR_WIDTH = 20


@record
class PullUpdate:
    """The state of one pull after an event. `total` sums the sizes the engine has announced
    so far (a layer's size is known from its first "Downloading"); layers that already exist
    locally count as layers done and add no bytes."""

    done: int = 0
    total: int = 0
    layers_done: int = 0
    layers_total: int = 0
    digest: str | None = None
    status: str | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.status is not None or self.error is not None


@mutable_record
class _Layer:
    """One image layer of a pull: bytes downloaded, its size once announced, and whether it is
    done."""

    current: int = 0
    total: int | None = None
    done: bool = False


def pull_events_to_progress(events: Iterable[Mapping[str, Any]]) -> Iterator[PullUpdate]:
    """One `PullUpdate` per event that changes what a reader would be shown."""
    layers: dict[str, _Layer] = {}
    state = PullUpdate()
    for event in events:
        new = _apply(event, layers, state)
        if new != state:
            state = new
            yield state
        if state.error is not None:
            return


def _apply(event: Mapping[str, Any], layers: dict[str, _Layer], state: PullUpdate) -> PullUpdate:
    if "error" in event or "errorDetail" in event:
        return replace(state, error=_error_text(event))
    status = str(event.get("status", ""))
    if status.startswith("Digest: "):
        return replace(state, digest=status.removeprefix("Digest: ").strip())
    if status.startswith("Status: "):
        return replace(state, status=status.removeprefix("Status: ").strip())
    layer_id = event.get("id")
    if not isinstance(layer_id, str) or not layer_id or status.startswith("Pulling from"):
        return state
    layer = layers.setdefault(layer_id, _Layer())
    detail = event.get("progressDetail")
    if status in _DONE_STATES:
        layer.done = True
        if layer.total is not None:
            layer.current = layer.total
    elif status == "Downloading" and isinstance(detail, Mapping):
        current, total = detail.get("current"), detail.get("total")
        if isinstance(total, int) and total > 0:
            layer.total = total
        if isinstance(current, int) and current >= 0:
            layer.current = current if layer.total is None else min(current, layer.total)
    elif status in _DOWNLOADED_STATES and layer.total is not None:
        layer.current = layer.total
    return replace(state,
                   done=sum(item.current for item in layers.values()),
                   total=sum(item.total or 0 for item in layers.values()),
                   layers_done=sum(item.done for item in layers.values()),
                   layers_total=len(layers))


def _error_text(event: Mapping[str, Any]) -> str:
    detail = event.get("errorDetail")
    if isinstance(detail, Mapping) and detail.get("message"):
        text = str(detail["message"])
    else:
        text = str(event.get("error") or "the engine reported an error")
    return " ".join(text.split())  # one line


def format_bytes(done: int, total: int | None = None) -> str:
    """`41/117 MB` (the unit chosen by the larger figure, decimal as docker prints them),
    or `117 MB` without a total."""
    scale = max(done, total or 0)
    unit, size = next(((unit, size) for unit, size in (("GB", 10**9), ("MB", 10**6),
                                                        ("kB", 10**3)) if scale >= size),
                      ("B", 1))
    digits = 0 if size == 1 or scale / size >= 10 else 1

    def shown(value: int) -> str:
        return f"{value / size:.{digits}f}"

    return f"{shown(done)}/{shown(total)} {unit}" if total is not None else f"{shown(done)} {unit}"


@mutable_record
class _Item:
    """What Progress knows of one item (a pull, an unpack, a load): its verbs, when it began,
    how far it is, and when its last CI-log line was written."""

    verbs: tuple[str, str]
    started: float
    done: int = 0
    total: int | None = None
    parts: tuple[int, int] | None = None
    part_name: str = "layers"
    last_line: float | None = None
    brief: bool = False


@mutable_record
class Progress:
    """Renders items' progress to `stream`; safe to call from several threads.

    `tty`: None asks the stream (`isatty()`); `clock`: seconds, monotonic (injected by tests);
    `width`: the terminal's columns for the live line (None: 80); `prefix` starts every
    permanent line (the live line too)."""

    stream: TextIO
    tty: bool | None = None
    clock: Callable[[], float] = time.monotonic
    interval: float = 5.0
    first_after: float = 0.5
    tty_interval: float = 0.1
    width: int | None = None
    prefix: str = ""
    tick_s: float = 1.0
    _items: dict[str, _Item] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _drawn: float | None = field(default=None, init=False, repr=False)
    _line_shown: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.tty is None:
            isatty = getattr(self.stream, "isatty", None)
            self.tty = bool(isatty()) if callable(isatty) else False

    def say(self, message: str) -> None:
        """A permanent line (the live line, if any, is cleared first and redrawn after)."""
        with self._lock:
            if self.tty and self._line_shown:
                self._write("\r\x1b[K")
                self._line_shown = False
            self._write(f"{self.prefix}{message}\n")
            if self.tty and self._items:
                self._draw_live(self.clock())

    __call__ = say  # a Progress is also the plain `(message) -> None` callback

    def tick(self) -> None:
        """What time alone makes due: a CI-log line for an item not updated for `interval`,
        a redraw of the live line. (The ticker thread calls this.)"""
        with self._lock:
            now = self.clock()
            if self.tty:
                if self._items and (self._drawn is None or now - self._drawn >= self.tty_interval):
                    self._draw_live(now)
                return
            for item, state in self._items.items():
                if self._line_due(state, now):
                    state.last_line = now
                    self._write(f"{self.prefix}{self._running_line(item, state)}\n")

    @contextlib.contextmanager
    def ticking(self) -> Iterator[Progress]:
        """One daemon thread calling tick() every `tick_s` while the block runs; stopped and
        joined when it ends, however it ends."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(self.tick_s):
                self.tick()

        thread = threading.Thread(target=loop, name="lambdacheck-progress", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()

    def begin(self, item: str, verbs: tuple[str, str] = PULL, *, brief: bool = False) -> None:
        """Starts timing `item` (update() begins it too, with the default verbs). A `brief`
        item that ends within `first_after` leaves no line at all (unpacking a small ZIP);
        otherwise the final line is always written (a pull says that it happened)."""
        with self._lock:
            self._items.setdefault(item, _Item(verbs, self.clock(), brief=brief))

    def update(self, item: str, done: int, total: int | None = None, *,
               parts: tuple[int, int] | None = None, part_name: str = "layers") -> None:
        """`done` of `total` bytes (None: unknown), and `parts` (layers or members: done, total)."""
        with self._lock:
            now = self.clock()
            state = self._items.setdefault(item, _Item(PULL, now))
            state.done, state.total = done, total
            state.parts, state.part_name = parts, part_name
            if self.tty:
                if self._drawn is None or now - self._drawn >= self.tty_interval:
                    self._draw_live(now)
            elif self._line_due(state, now):
                state.last_line = now
                self._write(f"{self.prefix}{self._running_line(item, state)}\n")

    def finish(self, item: str, *, ok: bool = True) -> None:
        """Ends `item`: its final line when `ok` (a failure is told by the caller's error,
        so then only the live line is cleared)."""
        with self._lock:
            state = self._items.pop(item, None)
            if state is None:
                return
            now = self.clock()
            if self.tty and self._line_shown:
                self._write("\r\x1b[K")
                self._line_shown = False
            if ok and self._visible(state, now):
                self._write(f"{self.prefix}{self._final_line(item, state, now)}\n")
            if self.tty and self._items:
                self._draw_live(now)

    def _visible(self, state: _Item, now: float) -> bool:
        return not state.brief or now - state.started >= self.first_after

    def _line_due(self, state: _Item, now: float) -> bool:
        if state.last_line is None:
            return now - state.started >= self.first_after
        return now - state.last_line >= self.interval

    def _running_line(self, item: str, state: _Item) -> str:
        text = f"{state.verbs[0]} {item}: {format_bytes(state.done, state.total)}"
        if state.parts is not None:
            text += f", {state.parts[0]}/{state.parts[1]} {state.part_name}"
        return text

    def _final_line(self, item: str, state: _Item, now: float) -> str:
        text = f"{state.verbs[1]} {item}: {format_bytes(state.done)}"
        if state.parts is not None:
            text += f", {state.parts[1]} {state.part_name}"
        return f"{text} in {now - state.started:.1f} s"

    def _draw_live(self, now: float) -> None:
        segments = []
        for item, state in self._items.items():
            if not self._visible(state, now):
                continue
            fraction = state.done / state.total if state.total else 0.0
            filled = min(_BAR_WIDTH, int(fraction * _BAR_WIDTH))
            bar = "#" * filled + "." * (_BAR_WIDTH - filled)
            segments.append(f"{self._running_line(item, state)} [{bar}]")
        if not segments:
            return
        line = self.prefix + " | ".join(segments)
        width = (self.width or 80) - 1
        if len(line) > width:
            line = line[:max(0, width - 1)] + "…"
        self._write(f"\r{line}\x1b[K")
        self._line_shown = True
        self._drawn = now

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


def track_pull(progress: Progress, image: str,
               events: Iterable[Mapping[str, Any]]) -> PullUpdate:
    """Feeds one pull's events to `progress` under the name `image`; returns the last update
    (`error` set if the engine reported one: the caller turns that into its own error)."""
    progress.begin(image, PULL)
    last = PullUpdate()
    try:
        for last in pull_events_to_progress(events):
            progress.update(image, last.done, last.total,
                            parts=(last.layers_done, last.layers_total))
    except BaseException:
        progress.finish(image, ok=False)
        raise
    progress.finish(image, ok=last.error is None)
    return last


def silent() -> Progress:
    """A Progress that shows nothing (for callers that want no output)."""
    return Progress(_Discard(), tty=False)


class _Discard(io.StringIO):
    def write(self, text: str) -> int:
        return len(text)


class CountingReader:
    """A binary file object that reports to `progress` the bytes read through it."""

    def __init__(self, stream: IO[bytes], progress: Progress, item: str,
                 total: int | None) -> None:
        self._stream = stream
        self._progress = progress
        self._item = item
        self._total = total
        self._done = 0

    def __len__(self) -> int:
        """The total size when known (an HTTP client sends it as the Content-Length)."""
        return self._total or 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._done += len(data)
        self._progress.update(self._item, self._done, self._total)
        return data
