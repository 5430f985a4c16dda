#!/usr/bin/env bash
# Run the public DfE rule validators on the statutory returns built from a case database.
#
# The validators (csc-validator-be-903, csc-validator-be-cin, Data to Insight) pin pandas < 2,
# which the project itself cannot use, so they live in their own virtualenv (created on first
# use). Exit status: 0 when neither validator reports an error; queries (warnings) are listed
# but do not fail the run.
#
# Usage: scripts/validate-returns.sh [--url SQLALCHEMY_URL] [--year 2026] [--out DIR]
#   Without --url a camden synthetic authority (seed 1, as at 2026-10-26) is seeded in DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VALIDATORS_VENV:-$ROOT/var/validators-venv}"
PY="${MI_PYTHON:-$ROOT/.venv/bin/python}"
URL=""
YEAR=2026
OUT="$ROOT/var/returns-check"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --url) URL="$2"; shift 2 ;;
    --year) YEAR="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "validate-returns: unknown argument $1 (expected --url, --year or --out)" >&2; exit 2 ;;
  esac
done

if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c "import lac_validator, cin_validator" 2>/dev/null; then
  echo "validate-returns: creating validators virtualenv at $VENV"
  python3.11 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet "csc-validator-be-903" "csc-validator-be-cin"
fi

mkdir -p "$OUT"
if [[ -z "$URL" ]]; then
  URL="sqlite:///$OUT/camden.sqlite"
  if [[ ! -f "$OUT/camden.sqlite" ]]; then
    "$ROOT/.venv/bin/mi" db seed --url "$URL" --scale camden --seed 1 --as-at 2026-10-26 >/dev/null
  fi
fi

"$ROOT/.venv/bin/mi" returns ssda903 --year "$YEAR" --url "$URL" --out "$OUT/ssda903" >/dev/null
"$ROOT/.venv/bin/mi" returns cin-census --year "$YEAR" --url "$URL" --out "$OUT/cin" >/dev/null

"$VENV/bin/python" "$ROOT/scripts/run_validators.py" --year "$YEAR" \
  --ssda903 "$OUT/ssda903" --cin "$OUT/cin/cin_census_$YEAR.xml" --json "$OUT/validation.json"
