"""checker.progress: the pull-stream parser on recorded real streams (tests/data/pull, see its
README for how they were captured), and the renderer with a fake clock and a StringIO in both
modes (a terminal's live line, a CI log's spaced lines). Expected figures are read off the
recording by hand (the sizes in its "Downloading" events)."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import threading
import time
from pathlib import Path
from typing import Any

from checker.progress import (
    LOAD,
    UNPACK,
    CountingReader,
    Progress,
    PullUpdate,
    format_bytes,
    pull_events_to_progress,
    track_pull,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "pull"
FRESH_TOTAL = 2000872 + 3001175 + 1000550  # the three new layers, gzipped
IMAGE = "127.0.0.1:5000/lambdacheck-test/pull:recorded"


def recorded(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines()]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_real_pull_stream_ends_with_every_byte_and_layer_done() -> None:
    updates = list(pull_events_to_progress(recorded("fresh.jsonl")))
    last = updates[-1]
    assert last == PullUpdate(
        done=FRESH_TOTAL, total=FRESH_TOTAL, layers_done=4, layers_total=4,
        digest="sha256:61bec5dcabb99e673d8b95ddd80dd91f7be4fdd5a1aa2f18e5ae163ccf142f27",
        status=f"Downloaded newer image for {IMAGE}")
    assert last.finished and not any(update.finished for update in updates[:-1])


def test_progress_only_grows_and_layers_that_exist_add_no_bytes() -> None:
    updates = list(pull_events_to_progress(recorded("fresh.jsonl")))
    assert updates[0] == PullUpdate(layers_done=1, layers_total=1)  # "Already exists"
    for before, after in itertools.pairwise(updates):
        assert after.done >= before.done and after.layers_done >= before.layers_done
        assert after.done <= after.total or after.total == 0
    # the middle of the download, as the recording has it: one layer's first 36445 bytes
    assert PullUpdate(done=36445, total=2000872, layers_done=1, layers_total=4) in updates


def test_an_error_in_the_stream_is_the_last_update() -> None:
    events = [*recorded("no-matching-platform.jsonl"), {"status": "Status: never read"}]
    assert list(pull_events_to_progress(events)) == [PullUpdate(
        error="no matching manifest for linux/amd64 in the manifest list entries")]


def test_odd_events_change_nothing_and_a_multiline_error_is_one_line() -> None:
    odd: list[dict[str, Any]] = [{}, {"status": "Downloading", "id": "a"},
                                 {"status": "Downloading", "id": "b",
                                  "progressDetail": {"current": "x", "total": None}},
                                 {"id": 3, "status": "Pull complete"}]
    assert list(pull_events_to_progress(odd)) == [PullUpdate(layers_total=1),
                                                   PullUpdate(layers_total=2)]
    assert list(pull_events_to_progress([{"error": "unauthorized:\n  authentication required"}])
                ) == [PullUpdate(error="unauthorized: authentication required")]


def test_format_bytes() -> None:
    assert format_bytes(41_000_000, 117_000_000) == "41/117 MB"
    assert format_bytes(500_000, 5_000_000) == "0.5/5.0 MB"
    assert format_bytes(117_400_000) == "117 MB"
    assert format_bytes(36445, 2000872) == "0.0/2.0 MB"
    assert format_bytes(512, 900) == "512/900 B"
    assert format_bytes(0) == "0 B"
    assert format_bytes(3_200_000_000) == "3.2 GB"


def test_a_ci_log_gets_a_line_every_interval_and_a_final_line() -> None:
    clock, out = Clock(), io.StringIO()
    progress = Progress(out, clock=clock, interval=5.0)
    progress.begin(IMAGE)
    for second in range(12):  # an update every 0.1 s for 12 s
        for tenth in range(10):
            clock.now = 100.0 + second + tenth / 10
            progress.update(IMAGE, (second * 10 + tenth) * 1_000_000, 117_000_000,
                            parts=(second // 4, 5))
    clock.now = 112.0
    progress.update(IMAGE, 117_000_000, 117_000_000, parts=(5, 5))
    progress.finish(IMAGE)
    assert out.getvalue().splitlines() == [
        f"pulling {IMAGE}: 5/117 MB, 0/5 layers",  # after first_after (0.5 s)
        f"pulling {IMAGE}: 55/117 MB, 1/5 layers",
        f"pulling {IMAGE}: 105/117 MB, 2/5 layers",
        f"pulled {IMAGE}: 117 MB, 5 layers in 12.0 s",
    ]


def test_a_fast_operation_in_a_ci_log_is_only_its_final_line() -> None:
    clock, out = Clock(), io.StringIO()
    progress = Progress(out, clock=clock)
    progress.begin("fn.zip", UNPACK)
    clock.now += 0.3
    progress.update("fn.zip", 10_000_000, 61_000_000)
    clock.now += 0.1
    progress.update("fn.zip", 61_000_000, 61_000_000)
    progress.finish("fn.zip")
    assert out.getvalue() == "unpacked fn.zip: 61 MB in 0.4 s\n"


def test_a_failed_item_prints_no_final_line() -> None:
    out = io.StringIO()
    progress = Progress(out, clock=Clock())
    progress.update(IMAGE, 1, 2)
    progress.finish(IMAGE, ok=False)
    progress.finish("never begun")
    assert out.getvalue() == ""


def test_a_terminal_gets_one_live_line_redrawn_at_most_ten_times_a_second() -> None:
    clock, out = Clock(), Terminal()
    progress = Progress(out, clock=clock, width=200)
    assert progress.tty
    progress.begin("image.tar", LOAD)
    for step in range(100):  # 100 updates within 1 s: about ten redraws
        clock.now = 100.0 + step / 100
        progress.update("image.tar", step * 1_000_000, 100_000_000)
    text = out.getvalue()
    assert "\n" not in text
    assert 9 <= text.count("\r") <= 11
    clock.now = 101.5
    progress.finish("image.tar")
    assert out.getvalue().endswith("\x1b[K\r\x1b[Kloaded image.tar: 99 MB in 1.5 s\n")


def test_the_live_line_is_the_latest_state_at_each_redraw() -> None:
    clock, out = Clock(), Terminal()
    progress = Progress(out, clock=clock, tty_interval=0.125)  # binary fractions: exact
    for step in range(20):
        clock.now = 100.0 + step / 64
        progress.update("image.tar", step * 5_000_000, 100_000_000)
    assert out.getvalue().split("\r")[1:] == [
        "pulling image.tar: 0/100 MB [....................]\x1b[K",
        "pulling image.tar: 40/100 MB [########............]\x1b[K",
        "pulling image.tar: 80/100 MB [################....]\x1b[K",
    ]


def test_parallel_items_share_the_live_line_and_end_on_their_own_lines() -> None:
    clock, out = Clock(), Terminal()
    progress = Progress(out, clock=clock, width=60)
    progress.update("a", 1_000_000, 4_000_000, parts=(0, 2))
    clock.now += 1
    progress.update("b", 2_000_000, 4_000_000)
    line = out.getvalue().rsplit("\r", 1)[1]
    assert line.startswith("pulling a: 1.0/4.0 MB, 0/2 layers [#####")
    assert line == line[:59 - 1] + "…\x1b[K" and len(line) == 59 + 3  # cut to the width
    clock.now += 1
    progress.finish("a")
    tail = out.getvalue().rsplit("\r\x1b[K", 1)[1]
    assert tail == ("pulled a: 1.0 MB, 2 layers in 2.0 s\n"
                    "\rpulling b: 2.0/4.0 MB [##########..........]\x1b[K")


def test_updates_from_many_threads_are_whole_lines() -> None:
    out = io.StringIO()
    progress = Progress(out, interval=0.0, first_after=0.0)

    def pull(name: str) -> None:
        for step in range(200):
            progress.update(name, step, 200)
        progress.finish(name)

    threads = [threading.Thread(target=pull, args=(f"image-{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = out.getvalue().splitlines()
    assert len(lines) == 8 * 201
    assert all(line.startswith(("pulling image-", "pulled image-")) for line in lines)
    assert sum(line.startswith("pulled ") for line in lines) == 8


def test_track_pull_feeds_a_recorded_stream_and_returns_its_end() -> None:
    clock, out = Clock(), io.StringIO()

    def slow(events: list[dict[str, Any]]) -> Any:
        for event in events:
            clock.now += 0.25
            yield event

    last = track_pull(Progress(out, clock=clock), IMAGE, slow(recorded("fresh.jsonl")))
    assert last.status == f"Downloaded newer image for {IMAGE}"
    assert out.getvalue().splitlines()[-1] == f"pulled {IMAGE}: 6.0 MB, 4 layers in 6.8 s"
    assert len(out.getvalue().splitlines()) <= 3  # 6.75 s: the first line and one 5 s later

    failed = io.StringIO()
    last = track_pull(Progress(failed, clock=clock), IMAGE,
                      recorded("no-matching-platform.jsonl"))
    assert last.error is not None and failed.getvalue() == ""


def test_a_brief_item_that_ends_fast_leaves_no_line_and_a_slow_one_does() -> None:
    clock, out = Clock(), io.StringIO()
    progress = Progress(out, clock=clock)
    progress.begin("small.zip", UNPACK, brief=True)
    clock.now += 0.4
    progress.update("small.zip", 1_000, 1_000, parts=(3, 3), part_name="members")
    progress.finish("small.zip")
    assert out.getvalue() == ""
    progress.begin("big.zip", UNPACK, brief=True)
    clock.now += 0.6
    progress.update("big.zip", 30_000_000, 61_000_000, parts=(10, 40), part_name="members")
    clock.now += 0.6
    progress.finish("big.zip")
    assert out.getvalue().splitlines() == ["unpacking big.zip: 30/61 MB, 10/40 members",
                                           "unpacked big.zip: 30 MB, 40 members in 1.2 s"]


def test_a_stalled_item_still_gets_its_line_every_interval_from_tick() -> None:
    clock, out = Clock(), io.StringIO()
    progress = Progress(out, clock=clock, interval=5.0, prefix="lambdacheck: ")
    progress.begin(IMAGE)
    progress.update(IMAGE, 41_000_000, 117_000_000, parts=(3, 5))  # then nothing comes
    for tenth in range(1, 111):  # the ticker's calls over 11 s
        clock.now = 100.0 + tenth / 10
        progress.tick()
    # after first_after (0.5 s), then every 5 s: at 0.5, 5.5 and 10.5 s
    assert out.getvalue().splitlines() == [
        f"lambdacheck: pulling {IMAGE}: 41/117 MB, 3/5 layers"] * 3


def test_say_clears_the_live_line_writes_its_own_and_redraws() -> None:
    clock, out = Clock(), Terminal()
    progress = Progress(out, clock=clock, prefix="lambdacheck: ", width=200)
    progress.update(IMAGE, 1_000_000, 4_000_000, parts=(0, 2))
    progress.say("fn.zip: invoke e: ok")
    assert out.getvalue() == (
        f"\rlambdacheck: pulling {IMAGE}: 1.0/4.0 MB, 0/2 layers [#####...............]\x1b[K"
        "\r\x1b[Klambdacheck: fn.zip: invoke e: ok\n"
        f"\rlambdacheck: pulling {IMAGE}: 1.0/4.0 MB, 0/2 layers [#####...............]\x1b[K")


def test_the_ticker_thread_ticks_and_is_gone_after_its_block() -> None:
    out = io.StringIO()
    progress = Progress(out, first_after=0.0, interval=0.05, tick_s=0.01)
    with progress.ticking():
        progress.update(IMAGE, 1_000, 2_000)
        deadline = time.monotonic() + 5
        while out.getvalue().count("\n") < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert out.getvalue().count("\n") >= 3  # lines from the ticker alone: no update came
    assert not [thread for thread in threading.enumerate()
                if thread.name == "lambdacheck-progress"]


def test_with_an_exception_the_ticker_is_stopped_too() -> None:
    progress = Progress(io.StringIO(), tick_s=0.01)
    with contextlib.suppress(RuntimeError), progress.ticking():
        raise RuntimeError("a failed run")
    assert not [thread for thread in threading.enumerate()
                if thread.name == "lambdacheck-progress"]


def test_a_counting_reader_reports_the_bytes_read_through_it() -> None:
    clock, out = Clock(), io.StringIO()
    progress = Progress(out, clock=clock, first_after=0.0, interval=0.0)
    progress.begin("docker-archive:image.tar", LOAD)
    reader = CountingReader(io.BytesIO(b"x" * 3_000_000), progress,
                            "docker-archive:image.tar", 3_000_000)
    assert len(reader) == 3_000_000  # sent as the HTTP body's length
    while reader.read(1_000_000):
        pass
    progress.finish("docker-archive:image.tar")
    assert out.getvalue().splitlines() == [
        "loading docker-archive:image.tar: 1.0/3.0 MB",
        "loading docker-archive:image.tar: 2.0/3.0 MB",
        "loading docker-archive:image.tar: 3.0/3.0 MB",
        "loading docker-archive:image.tar: 3.0/3.0 MB",  # the read that finds the end
        "loaded docker-archive:image.tar: 3.0 MB in 0.0 s"]
