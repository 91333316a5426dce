"""Imports a dependency the artifact does not ship."""

import missing_dependency_module  # noqa: F401


def handler(event, context):
    del event, context
    return {}
