#!/usr/bin/env bash
# Run the public DfE rule validators on the statutory returns built from a case database.
#
# A thin wrapper round `mi returns validate` (reporting/returns/validate.py is the one
# implementation): it builds SSDA903 and the CIN census, creates the validators' own virtualenv
# (var/validators-venv, or VALIDATORS_VENV; they pin pandas < 2) on first use and runs both
# validators. Exit status: 0 when neither validator reports an error, 1 on any error; queries
# (warnings) are listed but do not fail the run; 2 when the validators could not run.
#
# Usage: scripts/validate-returns.sh [--url SQLALCHEMY_URL] [--year 2026] [--out DIR]
#   Without --url a camden synthetic authority (seed 1, as at 2026-10-26) is seeded at
#   DIR/camden.sqlite, only if that file is missing (delete it after changing the generator).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
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

mkdir -p "$OUT"
if [[ -z "$URL" ]]; then
  URL="sqlite:///$OUT/camden.sqlite"
  if [[ ! -f "$OUT/camden.sqlite" ]]; then
    "$ROOT/.venv/bin/mi" db seed --url "$URL" --scale camden --seed 1 --as-at 2026-10-26 >/dev/null
  fi
fi

exec "$ROOT/.venv/bin/mi" returns validate --year "$YEAR" --url "$URL" --out "$OUT"
