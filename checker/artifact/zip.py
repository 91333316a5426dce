"""Walk an open ZIP's members into a Scan, in one process or split into runs over several.

Every member is decompressed once, as a stream, so that damage is found the way Lambda's
unzip would find it; members are read only when the guards allow it.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from checker.artifact.guards import check_link, member_path, overlapping_members, readable
from checker.artifact.members import MEMBER_ERRORS, CachedMemberReader, MemberStream
from checker.artifact.modes import kind_and_mode
from checker.artifact.scan import BLOCK, Scan, ScanLimits
from checker.artifact.sniff import Content, analyse, with_content
from checker.facts import AnomalyKind, FileFacts, MemberKind
from checker.streams import reason

PATH_MAX = 4096
PARALLEL_MIN_BYTES = 8 * 1024 * 1024  # compressed bytes below which one process is faster

# the ZIP, [start, stop), the overlapping members (index: the one holding its header), the
# holders' indexes, the run's limits, which texts to keep
_Run = tuple[Path, int, int, dict[int, str], frozenset[int], ScanLimits, Callable[[str], bool]]


def scan_zip(archive: zipfile.ZipFile, scan: Scan, path: Path, workers: int) -> None:
    """Read the members of `archive` (the ZIP at `path`) into `scan`, in up to `workers` runs."""
    members = archive.infolist()
    if len(members) > scan.limits.max_members:
        scan.flag(AnomalyKind.BOMB, "",
                  f"{len(members)} members, more than {scan.limits.max_members}; "
                  "only the first ones were read")
        members = members[: scan.limits.max_members]
    overlaps_by_id = overlapping_members(members)
    overlapping = {index: overlaps_by_id[id(info)] for index, info in enumerate(members)
                   if id(info) in overlaps_by_id}
    holder_names = set(overlapping.values())
    holders = frozenset(index for index, info in enumerate(members)
                        if info.filename in holder_names)
    runs = _runs(members, workers)
    if len(runs) <= 1 or not picklable(scan.want_text):
        for index, info in enumerate(members):
            _scan_member(archive, info, scan, overlapping.get(index), index in holders)
        return
    share = ScanLimits(max_unpacked_bytes=scan.limits.max_unpacked_bytes // len(runs),
                       max_members=scan.limits.max_members, max_ratio=scan.limits.max_ratio,
                       max_text_bytes=scan.limits.max_text_bytes)
    jobs = [(path, start, stop, overlapping, holders, share, scan.want_text)
            for start, stop in runs]
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: only for a pool

    with ProcessPoolExecutor(max_workers=len(runs)) as pool:
        for part in pool.map(_scan_run, jobs):
            scan.merge(part)


def _runs(members: list[zipfile.ZipInfo], workers: int) -> list[tuple[int, int]]:
    """Contiguous [start, stop) slices of about equal compressed size, one per worker."""
    total = sum(info.compress_size for info in members)
    if workers <= 1 or total < PARALLEL_MIN_BYTES:
        return [(0, len(members))]
    runs: list[tuple[int, int]] = []
    start, done = 0, 0
    for index, info in enumerate(members):
        done += info.compress_size
        if done >= total * (len(runs) + 1) / workers and len(runs) < workers - 1:
            runs.append((start, index + 1))
            start = index + 1
    runs.append((start, len(members)))
    return [run for run in runs if run[0] < run[1]]


def picklable(value: object) -> bool:
    """Whether `value` can be sent to a worker process."""
    try:
        pickle.dumps(value)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def _scan_run(job: _Run) -> Scan:
    """In a worker process: scan members [start, stop) of the ZIP at `path`."""
    path, start, stop, overlapping, holders, limits, want_text = job
    scan = Scan(limits=limits, want_text=want_text)
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        for index in range(start, stop):
            _scan_member(archive, members[index], scan, overlapping.get(index),
                         index in holders)
    return scan


def _scan_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, scan: Scan, overlaps: str | None,
    holds_another: bool = False,
) -> None:
    """`overlaps`: the member whose data holds this one's header; `holds_another`: this one's
    data holds another's header (that one is flagged, as unzip refuses it)."""
    kind, mode = kind_and_mode(info)
    path = member_path(info.filename, kind, scan)
    if path is None:
        return
    facts = FileFacts(path=path, kind=kind, mode=mode, size=info.file_size)
    scan.texts.pop(path, None)  # a duplicate replaces the text of the copy before it
    if kind is MemberKind.FILE:
        scan.unpacked_size += info.file_size
    if kind is not MemberKind.DIR and readable(info, path, scan, overlaps):
        facts = _read_member(archive, info, facts, scan, holds_another)
    scan.add(facts)


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, facts: FileFacts, scan: Scan,
    holds_another: bool = False,
) -> FileFacts:
    try:
        handle = archive.open(info)
    except MEMBER_ERRORS as exc:
        if holds_another and "Overlapped entries" in str(exc):
            return facts  # zipfile's own overlap check (3.12+): the other member is flagged
        scan.flag(AnomalyKind.CORRUPT, facts.path, f"{facts.path} cannot be opened: "
                  f"{reason(exc)}")
        return facts
    with handle:
        stream = MemberStream(handle, facts.path, scan)
        if facts.kind is MemberKind.SYMLINK:
            facts = _read_symlink(stream, facts, scan)
        else:
            facts = with_content(facts, _read_file(stream, facts, scan))
        stream.drain()
    if stream.error is not None:
        scan.flag(AnomalyKind.CORRUPT, facts.path, f"{facts.path} is damaged: {stream.error}")
        scan.texts.pop(facts.path, None)
    return facts


def _read_symlink(stream: MemberStream, facts: FileFacts, scan: Scan) -> FileFacts:
    target = stream.read(PATH_MAX + 1)
    if stream.error is not None or scan.stopped:
        return facts
    if len(target) > PATH_MAX:
        stream.error = f"symlink target longer than {PATH_MAX} bytes"
        return facts
    text = target.decode("utf-8", "surrogateescape")
    check_link(facts.path, text, scan)
    return replace(facts, link_target=text)


def _read_file(stream: MemberStream, facts: FileFacts, scan: Scan) -> Content:
    if scan.wants_text(facts.path, facts.size):
        data = stream.read(facts.size + 1)
        if stream.error is None and not scan.stopped:
            scan.texts[facts.path] = data
        return analyse(data[:BLOCK], lambda: io.BytesIO(data))
    head = stream.read(BLOCK)
    content = analyse(head, lambda: io.BufferedReader(CachedMemberReader(stream, facts.size,
                                                                          head)))
    if scan.stopped or stream.error is not None:
        return replace(content, elf_error=None)
    return content
