# Sportello: `make run` starts the assistant, `make test` runs every test.
# Both set up the environment on first use.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# No usage telemetry leaves the office's machines; quieter TensorFlow and SQLAlchemy logs.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: run shell test system-packages pytest lint check check-knowledge validate evaluate evaluate-nlu test-stories train bench-nlu bench-langid bench-whatsapp bench-appointments bench-scale lock clean

run: $(STAMP)
	@scripts/serve.sh run

shell: $(STAMP)
	@scripts/serve.sh shell

train: $(STAMP)
	@scripts/model.sh

test: $(STAMP) system-packages lint check evaluate-nlu test-stories pytest

# Debian packages the tests use: chromium (browser tests), nginx (production profile); installed once.
system-packages:
	@scripts/install-system-packages.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check sportello actions tests benchmarks

# The knowledge files staff edit: schema, translations, sources; lists items due for re-checking.
check-knowledge: $(STAMP)
	$(PY) -m sportello.knowledge.check $(if $(MAX_AGE_DAYS),--max-age-days $(MAX_AGE_DAYS))

validate: $(STAMP)
	$(VENV)/bin/rasa data validate --fail-on-warning

# For trainers (docs/trainers.md): every fast check in about a minute, without training:
# conflicting examples, leaks into the held-out data, examples per language, translations,
# knowledge files and Rasa's validation.
check: $(STAMP)
	$(PY) -m sportello.training.check $(if $(MAX_AGE_DAYS),--max-age-days $(MAX_AGE_DAYS))

# Trains if needed, evaluates, compares with docs/evaluation/last.json; RECORD=1 saves the results there.
evaluate: $(STAMP)
	$(PY) -m sportello.training.evaluate $(if $(RECORD),--record)

pytest: $(STAMP) system-packages
	SPORTELLO_MODEL=$$(scripts/model.sh) $(PY) -m pytest -q tests

evaluate-nlu: $(STAMP)
	$(VENV)/bin/rasa test nlu --model $$(scripts/model.sh) --nlu tests/nlu_heldout --out results/nlu

test-stories: $(STAMP)
	$(VENV)/bin/rasa test core --model $$(scripts/model.sh) --stories tests/stories --e2e \
		--fail-on-prediction-errors --out results/core

# Learning from handoffs (docs/review.md): what the assistant did not understand, as a file for
# a trainer to review (SINCE=, UNTIL= days YYYY-MM-DD; OUT= the file), then the reviewed file into data/nlu/.
.PHONY: review-export review-import
review-export: $(STAMP)
	$(PY) -m sportello.training.review export $(if $(SINCE),--since $(SINCE)) $(if $(UNTIL),--until $(UNTIL)) $(if $(OUT),--out $(OUT))

review-import: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make review-import FILE=var/review/review-<day>.yml"; exit 2; }
	$(PY) -m sportello.training.review import $(FILE)

bench-nlu: $(STAMP)
	$(PY) -m benchmarks.nlu

bench-langid: $(STAMP)
	$(PY) -m benchmarks.langid

bench-whatsapp: $(STAMP)
	$(PY) -m benchmarks.whatsapp

bench-appointments: $(STAMP)
	$(PY) -m benchmarks.appointments

# The production profile (PostgreSQL, Redis, nginx: make system-packages) with one and two Rasa processes.
bench-scale: $(STAMP)
	$(PY) -m benchmarks.scale

$(STAMP): requirements.lock scripts/find-python310.sh
	@python=$$(scripts/find-python310.sh) && \
	  { [ -x $(PY) ] && $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' || \
	    { rm -rf $(VENV) && "$$python" -m venv $(VENV); }; }
	$(PY) -m pip install --quiet --upgrade pip==24.0
	$(PY) -m pip install --quiet --no-deps -r requirements.lock
	$(PY) -m pip check
	@touch $(STAMP)

lock: $(STAMP)
	$(PY) -m pip install --quiet -r requirements.in
	$(PY) -m pip freeze --all --exclude-editable | grep -v "^pip==" > requirements.lock

clean:
	rm -rf $(VENV) models results var/*.log
