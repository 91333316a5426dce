"""Handlers for the python stand-in tests (awslambdaric in the bullseye image)."""

import os
import sys


def handler(event, context):
    print("handling", event.get("n"))
    print("to stderr", file=sys.stderr)
    return {"ok": True, "uid": os.getuid(), "n": event.get("n"),
            "remaining_ms": context.get_remaining_time_in_millis()}


def fail(event, context):
    del context
    raise ValueError(f"bad input: {event.get('n')}")
