#!/usr/bin/env bash
# Starts the action server (5055), the maintenance process (5104), the staff API (5102), the
# staff inbox (5103) and the Rasa server (5005: REST and WhatsApp channels, HTTP API)
# on the embedded defaults.
# WhatsApp: with the WHATSAPP_* variables set (in the environment or a git-ignored
# .env) the connector talks to WHATSAPP_API_URL;
# without them the local WhatsApp simulator (5101) plays Meta and the connector is
# wired to it. With `shell`, opens a terminal chat and stops everything when it ends;
# otherwise waits until Ctrl-C, which stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
model=$(scripts/model.sh)
mkdir -p var
if [ -f .env ]; then set -a; . ./.env; set +a; fi
secret() { .venv/bin/python -c "from sportello.runtime import load_secret; print(load_secret('$1'))"; }
token=$(secret api_token)
secret staff_token >/dev/null
pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM EXIT

simulator=""
if [ -z "${WHATSAPP_ACCESS_TOKEN:-}" ]; then
  simulator="http://127.0.0.1:5101"
  export WHATSAPP_ACCESS_TOKEN=$(secret simulator_access_token) WHATSAPP_APP_SECRET=$(secret simulator_app_secret)
  export WHATSAPP_VERIFY_TOKEN=$(secret simulator_verify_token) WHATSAPP_PHONE_NUMBER_ID=393517749241
  export WHATSAPP_API_URL="$simulator/v21.0"
  .venv/bin/python -m sportello.whatsapp.simulator --port 5101 \
    --webhook http://127.0.0.1:5005/webhooks/whatsapp/webhook --app-secret "$WHATSAPP_APP_SECRET" \
    --verify-token "$WHATSAPP_VERIFY_TOKEN" --phone-number-id "$WHATSAPP_PHONE_NUMBER_ID" \
    --access-token "$WHATSAPP_ACCESS_TOKEN" >var/simulator.log 2>&1 &
  pids+=($!)
fi
export WHATSAPP_API_URL=${WHATSAPP_API_URL:-https://graph.facebook.com/v21.0}

.venv/bin/rasa run actions --port 5055 --actions actions >var/actions.log 2>&1 &
pids+=($!)
# Appointment reminders and retention of personal data; the staff API (appointments) on 5102.
.venv/bin/python -m sportello.maintenance --port 5104 >var/maintenance.log 2>&1 &
pids+=($!)
.venv/bin/python -m sportello.staff.app --port 5102 >var/staff.log 2>&1 &
pids+=($!)
# The staff inbox on 5103; the first start creates the account "admin".
.venv/bin/python -m sportello.inbox.users ensure-admin >/dev/null
.venv/bin/python -m sportello.inbox.web --port 5103 --rasa-url http://127.0.0.1:5005 >var/inbox.log 2>&1 &
pids+=($!)
rasa_args=(run --model "$model" --port 5005 --credentials credentials.yml --endpoints endpoints.yml
  --enable-api "--auth-token=$token")
if [ "$mode" = shell ]; then
  .venv/bin/rasa "${rasa_args[@]}" >var/rasa.log 2>&1 &
  pids+=($!)
  .venv/bin/python -m sportello.shell
else
  echo "Rasa server on http://localhost:5005 (REST channel: POST /webhooks/rest/webhook)."
  [ -n "$simulator" ] && echo "WhatsApp simulator: open http://localhost:5101 and chat as an applicant."
  echo "Staff inbox on http://localhost:5103: log in as admin, password in var/secrets/inbox_admin"
  echo "  (change it by creating named accounts under Utenti; see docs/inbox.md)."
  echo "Staff API on http://localhost:5102/staff/api/appointments (token: var/secrets/staff_token)."
  echo "API token for /model/parse and the HTTP API is in var/secrets/api_token. Ctrl-C stops."
  .venv/bin/rasa "${rasa_args[@]}" &
  pids+=($!)
  wait -n "${pids[@]}"
fi
