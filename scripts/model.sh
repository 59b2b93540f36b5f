#!/usr/bin/env bash
# Prints the path of the model trained from the current config.yml, domain.yml, data/
# and languages file, training it first if it does not exist. Models are named by a
# hash of that content, so a change (not a timestamp) is what triggers training.
set -euo pipefail
cd "$(dirname "$0")/.."
hash=$(find config.yml domain.yml data knowledge/languages.yml -type f -print0 | LC_ALL=C sort -z \
  | xargs -0 sha256sum | sha256sum | cut -c1-16)
name="sportello-$hash"
if [ ! -f "models/$name.tar.gz" ]; then
  echo "Training model $name (config, domain or data changed)..." >&2
  .venv/bin/rasa train --fixed-model-name "$name" --out models >&2
fi
echo "models/$name.tar.gz"
