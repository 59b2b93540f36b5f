import sys

from sportello.training.check import Outcome, coverage_step, examples_step, rasa_step, run

from .nlu_files import write_nlu


def test_run_passes_when_every_step_passes(capsys):
    assert run([("First", lambda: Outcome(True, "fine")), ("Second", lambda: Outcome(True, "fine too"))]) == 0
    out = capsys.readouterr().out
    assert "== 1/2 First ==" in out and "OK      Second: fine too" in out and "All checks passed" in out


def test_one_failing_or_unreadable_step_fails_the_check_and_the_others_still_run(capsys):
    def unreadable():
        raise ValueError("data/nlu/en.yml: not valid YAML: line 3")

    steps = [("Broken", unreadable), ("Failing", lambda: Outcome(False, "1 error(s)")),
             ("Fine", lambda: Outcome(True, "ok"))]
    assert run(steps) == 1
    out = capsys.readouterr().out
    assert "ERROR  data/nlu/en.yml: not valid YAML: line 3" in out
    assert "FAILED  Broken" in out and "FAILED  Failing: 1 error(s)" in out and "OK      Fine" in out
    assert "2 step(s) failed" in out


def test_examples_step_fails_on_a_conflict_and_names_it(tmp_path, capsys):
    write_nlu(tmp_path / "data" / "en.yml", "en", {"greet": ["hello"], "goodbye": ["see you"]})
    write_nlu(tmp_path / "data" / "it.yml", "it", {"goodbye": ["Hello"]})
    write_nlu(tmp_path / "heldout" / "en.yml", "en", {"greet": ["hi there"]})
    outcome = examples_step(tmp_path / "data", tmp_path / "heldout")
    assert not outcome.passed and outcome.summary == "1 error(s), 0 warning(s)"
    out = capsys.readouterr().out
    assert "3 training examples, 1 held-out examples" in out
    assert 'ERROR  ' in out and 'intent greet, example "hello"' in out and "what to do:" in out


def test_examples_step_passes_a_clean_set(tmp_path, capsys):
    write_nlu(tmp_path / "data" / "en.yml", "en", {"greet": ["hello"], "goodbye": ["see you"]})
    write_nlu(tmp_path / "heldout" / "en.yml", "en", {"greet": ["hi there"]})
    assert examples_step(tmp_path / "data", tmp_path / "heldout").passed
    assert "no problems" in capsys.readouterr().out


def test_coverage_step_prints_the_table_and_passes_with_only_warnings(tmp_path, capsys):
    write_nlu(tmp_path / "it.yml", "it", {"greet": ["ciao"], "goodbye": ["arrivederci"]})
    outcome = coverage_step(tmp_path, ["greet", "goodbye"], ["it"], minimum=2)
    assert outcome.passed and outcome.summary == "0 error(s), 2 warning(s)"
    out = capsys.readouterr().out
    assert "greet      1!" in out and "WARNING" in out


def test_rasa_step_shows_rasa_warnings_but_not_its_progress(capsys):
    script = (
        "print('2026-11-28 10:00:00 INFO     rasa.validator  - Validating intents...');"
        "print('UserWarning: The intent greet is not used in any story or rule.');"
        "raise SystemExit(1)"
    )
    outcome = rasa_step([sys.executable, "-c", script])
    assert not outcome.passed
    out = capsys.readouterr().out
    assert "UserWarning: The intent greet is not used" in out and "Validating intents" not in out
    assert rasa_step([sys.executable, "-c", "print('all fine')"]).passed
