#!/bin/sh
# Browser tests, everything included: Chromium from Debian's packages when
# missing (never a downloaded browser), npm ci when node_modules is missing or stale,
# a fresh build, the local stack (python -m devserver) on a fresh embedded
# database and a free port, then tests/e2e/*.test.mjs in headless Chromium.
# Screenshots, axe reports and the stack's log go to web_frontend/test-results/.
#   E2E_DATABASE_URL=postgresql://...  use this (empty) database instead of an embedded one
#   E2E_BASE_URL=http://127.0.0.1:8000 test an already running stack (nothing is started)
#   E2E_ORIGIN_SECRET=...              that stack's ORIGIN_VERIFY_SECRET, if it has one
set -eu
E2E_ORIGIN_SECRET="${E2E_ORIGIN_SECRET:-}"
cd "$(dirname "$0")/.."
FRONTEND_DIR=$(pwd)
REPO_ROOT=$(cd .. && pwd)

if [ ! -x /usr/bin/chromium ]; then
  echo "e2e: installing chromium from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
sh scripts/ensure-node-modules.sh
rm -rf test-results && mkdir -p test-results

if [ -z "${E2E_BASE_URL:-}" ]; then
  npm run build --silent
  PYTHON="${PYTHON:-$REPO_ROOT/.venv/bin/python}"
  PORT=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  DATA_DIR=$(mktemp -d)
  # The local stack stands behind no CloudFront; the tests play its part: they send
  # its origin secret and a viewer address per person (tests/e2e/support.mjs), so the
  # per-address limits (10 logins a minute) count each person apart, as deployed.
  E2E_ORIGIN_SECRET=$(node -e "console.log(require('crypto').randomBytes(24).toString('hex'))")
  export E2E_ORIGIN_SECRET
  (
    cd "$REPO_ROOT"
    if [ -n "${E2E_DATABASE_URL:-}" ]; then export DATABASE_URL="$E2E_DATABASE_URL"; else unset DATABASE_URL; fi
    export ORIGIN_VERIFY_SECRET="$E2E_ORIGIN_SECRET"
    # An empty env file: the tests use the fake services, never a developer's real credentials.
    exec "$PYTHON" -m devserver --port "$PORT" --data-dir "$DATA_DIR/pgdata" \
      --static-dir "$FRONTEND_DIR/dist" --env-file /dev/null --no-schedules
  ) >test-results/devserver.log 2>&1 &
  STACK_PID=$!
  cleanup() {
    kill "$STACK_PID" 2>/dev/null || true
    wait "$STACK_PID" 2>/dev/null || true
    rm -rf "$DATA_DIR"
  }
  trap cleanup EXIT INT TERM
  E2E_BASE_URL="http://127.0.0.1:$PORT"
  echo "e2e: waiting for the local stack on $E2E_BASE_URL"
  i=0
  until node -e "fetch('$E2E_BASE_URL/api/health',{headers:{'x-origin-verify':process.env.E2E_ORIGIN_SECRET}}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; do
    i=$((i + 1))
    if [ "$i" -gt 180 ] || ! kill -0 "$STACK_PID" 2>/dev/null; then
      echo "e2e: the local stack did not start; its log:" >&2
      tail -50 test-results/devserver.log >&2
      exit 1
    fi
    sleep 1
  done
fi

export E2E_BASE_URL E2E_ORIGIN_SECRET
node --test --test-concurrency=1 tests/e2e/*.test.mjs
