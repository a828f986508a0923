#!/bin/sh
# Generate the typed API client (src/client/) from the backend's OpenAPI documents:
#   http_api   -> src/client/openapi.json, src/client/schema.d.ts
#   tutor_chat -> src/client/tutor.openapi.json, src/client/tutor.d.ts (once that function exists)
#   sh scripts/generate-client.sh          regenerate
#   sh scripts/generate-client.sh --check  fail if the committed files are stale
# The Python interpreter defaults to the repository's virtualenv; override with PYTHON=.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-../.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3

out_dir=src/client
if [ "${1:-}" = "--check" ]; then
  out_dir=$(mktemp -d)
  trap 'rm -rf "$out_dir"' EXIT
fi

generate() { # function, json name, types name
  [ -f "../functions/$1/app.py" ] || return 0
  "$PYTHON" scripts/export_openapi.py "$1" "$out_dir/$2"
  log=$(mktemp)
  if ! npx --no-install openapi-typescript "$out_dir/$2" -o "$out_dir/$3" \
    --root-types --root-types-no-schema-prefix --alphabetize >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
}

generate http_api openapi.json schema.d.ts
generate tutor_chat tutor.openapi.json tutor.d.ts

if [ "${1:-}" = "--check" ]; then
  stale=0
  for f in openapi.json schema.d.ts tutor.openapi.json tutor.d.ts; do
    [ -f "$out_dir/$f" ] || [ -f "src/client/$f" ] || continue
    if ! cmp -s "$out_dir/$f" "src/client/$f" 2>/dev/null; then
      echo "src/client/$f is stale: the backend's OpenAPI changed. Run 'npm run generate-client' and commit." >&2
      diff -u "src/client/$f" "$out_dir/$f" 2>&1 | head -30 >&2 || true
      stale=1
    fi
  done
  [ "$stale" = 0 ] || exit 1
  echo "check-client: src/client is up to date with the backend's OpenAPI."
fi
