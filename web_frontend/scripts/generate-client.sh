#!/bin/sh
# Generate the typed API client (src/client/) from the backend's OpenAPI document.
#   sh scripts/generate-client.sh          regenerate src/client/openapi.json and schema.d.ts
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

"$PYTHON" scripts/export_openapi.py "$out_dir/openapi.json"
log=$(mktemp)
if ! npx --no-install openapi-typescript "$out_dir/openapi.json" -o "$out_dir/schema.d.ts" \
  --root-types --root-types-no-schema-prefix --alphabetize >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"; exit 1
fi
rm -f "$log"

if [ "${1:-}" = "--check" ]; then
  for f in openapi.json schema.d.ts; do
    if ! cmp -s "$out_dir/$f" "src/client/$f"; then
      echo "src/client/$f is stale: the backend's OpenAPI changed. Run 'npm run generate-client' and commit." >&2
      diff -u "src/client/$f" "$out_dir/$f" | head -40 >&2 || true
      exit 1
    fi
  done
  echo "check-client: src/client is up to date with the backend's OpenAPI."
fi
