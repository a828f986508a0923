#!/bin/sh
# The tutor's Lambda Handler under the Lambda Web Adapter: the template sets
# AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap (the adapter's layer), which starts the
# adapter and then this script. It starts the web server on the port the adapter
# forwards to; the adapter waits for AWS_LWA_READINESS_CHECK_PATH before the first
# invocation (docs/tutor.md, "Packaging and streaming").
#
# A new Python process does not get the sys.path Lambda's own Python bootstrap
# builds, so it is given here, in the same order: the function's code
# (LAMBDA_TASK_ROOT), the layers' python/ (/opt/python), the runtime's boto3
# (LAMBDA_RUNTIME_DIR), then whatever PYTHONPATH already said (tests add the
# built layer's folder there).
# No access log: the app writes each request's JSON log lines itself (ObservedAsgi).
set -eu
path="${LAMBDA_TASK_ROOT:-$(dirname "$0")}:/opt/python"
[ -n "${LAMBDA_RUNTIME_DIR:-}" ] && path="$path:$LAMBDA_RUNTIME_DIR"
[ -n "${PYTHONPATH:-}" ] && path="$path:$PYTHONPATH"
export PYTHONPATH="$path"
exec python -m uvicorn app:app --host 127.0.0.1 --port "${AWS_LWA_PORT:-${PORT:-8080}}" \
  --app-dir "${LAMBDA_TASK_ROOT:-$(dirname "$0")}" \
  --no-access-log --log-level warning --lifespan on
