#!/bin/sh
# `npm ci` only when node_modules is missing or older than package-lock.json,
# so `make test` and `make e2e` do not reinstall every run. npm rewrites
# node_modules/.package-lock.json at every install: it is the stamp.
set -eu
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ]; then
  exit 0
fi
echo "installing npm packages (web_frontend/node_modules, from package-lock.json)"
npm ci --no-audit --no-fund --loglevel=error
