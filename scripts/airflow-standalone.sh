#!/usr/bin/env bash
# Start Airflow on the embedded default: `airflow standalone` (api-server, scheduler, dag-processor,
# triggerer; SQLite metadata; LocalExecutor) with the report DAGs from dags/.
#
#   scripts/airflow-standalone.sh            (Ctrl-C stops everything)
#
# State lives under var/airflow. The UI is http://127.0.0.1:${AIRFLOW_PORT:-8080} (loopback only
# unless AIRFLOW_HOST says otherwise); log in as
# `admin` with the password Airflow generates on first start (simple auth manager), kept in
# var/airflow/simple_auth_manager_passwords.json.generated.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
AIRFLOW_BIN="${AIRFLOW_BIN:-$REPO/.venv/bin/airflow}"
[ -x "$AIRFLOW_BIN" ] || { echo "no $AIRFLOW_BIN: run 'make setup' first" >&2; exit 1; }
[ -f var/casedb.sqlite ] || [ -n "${MI_CASEDB_URL:-}" ] || { echo "no case database: run 'make seed' first (or set MI_CASEDB_URL)" >&2; exit 1; }

# standalone starts its components as `airflow ...` subprocesses found on PATH.
export PATH="$(dirname "$AIRFLOW_BIN"):$PATH"
export AIRFLOW_HOME="${MI_AIRFLOW_HOME:-$REPO/var/airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$REPO/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__API__PORT="${AIRFLOW_PORT:-8080}"
# Loopback only by default: the UI shows report titles, run states and archive paths, and the demo's
# admin password sits in a file. Set AIRFLOW_HOST=0.0.0.0 deliberately to serve other machines.
export AIRFLOW__API__HOST="${AIRFLOW_HOST:-127.0.0.1}"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:${AIRFLOW__API__PORT}/execution/"
mkdir -p -m 0700 "$AIRFLOW_HOME"
PASSWORDS="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"

echo "Airflow UI:  http://${AIRFLOW__API__HOST}:${AIRFLOW__API__PORT}"
echo "Login:       admin / the password in $PASSWORDS"
echo "             (written on first start; also printed below as 'Password for user admin')"
echo "DAGs:        $AIRFLOW__CORE__DAGS_FOLDER   state: $AIRFLOW_HOME"
exec "$AIRFLOW_BIN" standalone
