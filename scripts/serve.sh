#!/usr/bin/env bash
# Starts the action server (5055) and the Rasa server (5005, REST channel and API)
# on the embedded defaults. With `shell`, opens a terminal chat and stops both when
# it ends; otherwise waits until Ctrl-C, which stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
model=$(scripts/model.sh)
mkdir -p var
token=$(.venv/bin/python -c 'from sportello.runtime import load_secret; print(load_secret("api_token"))')
pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM EXIT
.venv/bin/rasa run actions --port 5055 --actions actions >var/actions.log 2>&1 &
pids+=($!)
rasa_args=(run --model "$model" --port 5005 --credentials credentials.yml --endpoints endpoints.yml
  --enable-api "--auth-token=$token")
if [ "$mode" = shell ]; then
  .venv/bin/rasa "${rasa_args[@]}" >var/rasa.log 2>&1 &
  pids+=($!)
  .venv/bin/python -m sportello.shell
else
  echo "Rasa server on http://localhost:5005 (REST channel: POST /webhooks/rest/webhook)."
  echo "API token for /model/parse and the HTTP API is in var/secrets/api_token. Ctrl-C stops."
  .venv/bin/rasa "${rasa_args[@]}" &
  pids+=($!)
  wait -n "${pids[@]}"
fi
