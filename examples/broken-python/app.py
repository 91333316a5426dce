"""Deliberately broken: the handler is called `main`, but the function is configured with
`app.handler` (Runtime.HandlerNotFound on Lambda)."""

from vendor import fastjson


def main(event, context):
    return fastjson.dumps(event)
