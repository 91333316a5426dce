#!/bin/sh
# lambdacheck stand-in entrypoint. Implements the contract documented for the Lambda base
# images: the container's command is exactly one argument, the handler; it is exported as
# _HANDLER and the runtime's /var/runtime/bootstrap is started, under the Runtime Interface
# Emulator unless a runtime API is already given (as on Lambda itself).
if [ "$#" -ne 1 ]; then
    echo "lambda-entrypoint: expected exactly one argument (the handler), got $#" >&2
    exit 142
fi
_HANDLER=$1
export _HANDLER
if [ -n "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
    exec /var/runtime/bootstrap
fi
exec /usr/local/bin/aws-lambda-rie /var/runtime/bootstrap
