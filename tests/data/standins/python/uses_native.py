"""Imports a C extension that the test builds for the host's CPython, not the image's."""

import native


def handler(event, context):
    del event, context
    return {"answer": native.answer()}
