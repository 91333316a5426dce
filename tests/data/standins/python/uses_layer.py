"""Imports a module that only a layer provides (in /opt/python)."""

import helper


def handler(event, context):
    del event, context
    return {"from_layer": helper.VALUE}
