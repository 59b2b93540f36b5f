#!/usr/bin/env bash
# Prints the path of the model trained from the current config.yml, domain.yml, data/,
# languages file and NLU component code, training it first if it does not exist.
# Models are named by a hash of that content, so a change (not a timestamp) is what
# triggers training.
set -euo pipefail
cd "$(dirname "$0")/.."
hash=$(find config.yml domain.yml data knowledge/languages.yml sportello/nlu sportello/langid \
  -type f -not -name '*.pyc' -print0 | LC_ALL=C sort -z \
  | xargs -0 sha256sum | sha256sum | cut -c1-16)
name="sportello-$hash"
if [ ! -f "models/$name.tar.gz" ]; then
  echo "Training model $name (config, domain, data or NLU code changed)..." >&2
  # --force: Rasa's training cache keys on component names and settings, not their code.
  .venv/bin/rasa train --force --fixed-model-name "$name" --out models >&2
fi
echo "models/$name.tar.gz"
