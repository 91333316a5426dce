"""A minimal Python Lambda function: `lambdacheck check examples/python-hello --runtime
python3.12 --handler app.handler`."""

import json
import os


def handler(event, context):
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    return {
        "statusCode": 200,
        "body": json.dumps({"message": f"hello, {name}", "runtime": os.environ.get("AWS_EXECUTION_ENV")}),
    }
