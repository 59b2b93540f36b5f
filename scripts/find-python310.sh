#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter: `python3.10` on PATH, else one under
# `pyenv root`. Rasa 3.6 needs Python >= 3.8, < 3.11; on 3.11 pip silently installs
# rasa 1.10, so no other version is ever accepted.
set -u
is_310() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }
candidates=(python3.10)
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for dir in "$root"/versions/3.10.*; do candidates+=("$dir/bin/python3.10"); done
fi
for candidate in "${candidates[@]}"; do
  if is_310 "$candidate"; then command -v "$candidate"; exit 0; fi
done
cat >&2 <<'TEXT'
Sportello needs Python 3.10 (Rasa 3.6 supports Python 3.8 to 3.10; on 3.11 pip would
silently install the obsolete rasa 1.10). None was found as `python3.10` on PATH or
under `pyenv root`/versions/3.10.*. Install one, for example:
    pyenv install 3.10        (with pyenv)
    apt-get install python3.10 python3.10-venv   (where your distribution has it)
then run the make command again.
TEXT
exit 1
