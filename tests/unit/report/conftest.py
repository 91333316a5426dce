"""Run results written out by hand, shared by the reporter tests."""

from __future__ import annotations

import pytest

from checker.findings import (
    CheckResult,
    Execution,
    Finding,
    Invocation,
    RunResult,
    Severity,
    TargetId,
    TargetResult,
)

GLIBC_DETAILS = tuple(f"needs symbol sym{n}@GLIBC_2.3{n % 5}" for n in range(14))

SYMBOLS_APP = Finding(
    rule="symbol-versions",
    severity=Severity.ERROR,
    path="bin/app",
    message="needs GLIBC_2.34; python3.12 (Amazon Linux 2023) has glibc 2.34 only as inferred",
    hint="build on Amazon Linux 2023 or manylinux_2_28",
    subject="fcntl64@GLIBC_2.28",
    details=GLIBC_DETAILS,
)
SYMBOLS_LIBZ = Finding(
    rule="symbol-versions",
    severity=Severity.ERROR,
    path="lib/libz.so.1",
    message="needs GLIBC_2.38",
    hint="vendor an older zlib",
    subject="strlcpy@GLIBC_2.38",
)
PERMISSIONS = Finding(
    rule="permissions",
    severity=Severity.WARNING,
    path="handler.py",
    message="not readable by other users (mode 0600)",
    hint="chmod 644 handler.py",
)
QUOTA_X86 = Finding(
    rule="quotas", severity=Severity.INFO, path="", message="unzipped size 12.0 MB of 250 MB"
)
QUOTA_ARM = Finding(
    rule="quotas", severity=Severity.INFO, path="", message="unzipped size 11.5 MB of 250 MB"
)

# Function output as it really comes back: ANSI colours, NUL, BEL, CR LF, unicode.
TIMEOUT_TAIL = "\r\n".join(
    [f"START step {n} ünïcødé ✓ 日本" for n in range(1, 24)]
    + ["\x1b[31mERROR\x1b[0m worker stuck\x00\x07 at 99%"]
)

OK_INVOKE = Invocation(
    event_name="default",
    ok=True,
    duration_ms=123.4,
    outcome="success",
    response='{"statusCode": 200, "body": "héllo ✓"}',
    init_duration_ms=250.2,
    billed_duration_ms=124.0,
    max_memory_mb=64.0,
)
TIMEOUT_INVOKE = Invocation(
    event_name="s3-put",
    ok=False,
    duration_ms=3001.0,
    outcome="timeout",
    message="Task timed out after 3.00 seconds",
    output_tail=TIMEOUT_TAIL,
)

FAILING_TARGET = TargetResult(
    target=TargetId("fn.zip", "python3.12", "x86_64"),
    checks=(
        CheckResult("architecture", "ELF machine matches the runtime"),
        CheckResult("symbol-versions", "GLIBC symbol versions", (SYMBOLS_LIBZ, SYMBOLS_APP)),
        CheckResult("permissions", "files readable by the runtime user", (PERMISSIONS,)),
        CheckResult("quotas", "size quotas", (QUOTA_X86,)),
        CheckResult("python-abi", "wheel tags", skipped="no compiled extension modules"),
    ),
    invocations=(OK_INVOKE, TIMEOUT_INVOKE),
    notes=("layer deps.zip: 3 files",),
    execution=Execution(image="public.ecr.aws/lambda/python:3.12", handler="app.handler",
                        network="bridge"),
)
PASSING_TARGET = TargetResult(
    target=TargetId("fn.zip", "python3.12", "arm64"),
    checks=(
        CheckResult("architecture", "ELF machine matches the runtime"),
        CheckResult("quotas", "size quotas", (QUOTA_ARM,)),
    ),
    execution_skipped="no binfmt_misc handler for aarch64",
)


@pytest.fixture
def two_targets() -> RunResult:
    """One failing target (2 errors, 1 warning, 1 info, 1 timeout) and one passing (1 info)."""
    return RunResult(
        targets=(FAILING_TARGET, PASSING_TARGET),
        fail_on=Severity.ERROR,
        notes=("catalog: shipped runtimes",),
    )


@pytest.fixture
def thousand_findings() -> RunResult:
    """One target whose single check produced 1,000 error findings."""
    findings = tuple(
        Finding(
            rule="needed-libs",
            severity=Severity.ERROR,
            path=f"lib/mod{n:04d}.so",
            message=f"needs libfoo{n}.so, which python3.12 does not provide",
            hint="vendor it into lib/",
            subject=f"libfoo{n}.so",
            details=("searched /lib64", "searched /var/task/lib"),
        )
        for n in range(1000)
    )
    check = CheckResult("needed-libs", "needed libraries are present", findings)
    target = TargetResult(TargetId("big.zip", "python3.12", "x86_64"), checks=(check,))
    return RunResult(targets=(target,))
