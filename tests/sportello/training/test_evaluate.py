import copy

from sportello.nlu.evaluation import LanguageScores
from sportello.training.evaluate import (
    compare,
    intent_figures,
    language_figures,
    load_baseline,
    render,
    results,
    save_baseline,
    story_figures,
)

INTENT_REPORT = {
    "greet": {"precision": 1.0, "recall": 0.9, "f1-score": 0.947, "support": 10, "confused_with": {"thank": 1}},
    "thank": {"precision": 0.9, "recall": 1.0, "f1-score": 0.947, "support": 9},
    "nlu_fallback": {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0},
    "accuracy": 0.947,
    "macro avg": {"precision": 0.95, "recall": 0.95, "f1-score": 0.947, "support": 19},
    "weighted avg": {"precision": 0.95, "recall": 0.95, "f1-score": 0.947, "support": 19},
}
STORY_REPORT = {"greet": {"f1-score": 1.0, "support": 3}, "conversation_accuracy": {"correct": 2, "total": 3}}
FAILED_STORIES = {"stories": [{"story": "greet (tests/stories/test_en.yml)", "steps": []}]}


def fabricated():
    scores = {"en": LanguageScores(expected=["greet", "thank"], predicted=["greet", "greet"]),
              "it": LanguageScores(expected=["greet"], predicted=["greet"])}
    return results(INTENT_REPORT, scores, STORY_REPORT, FAILED_STORIES, "sportello-abc")


def test_results_read_rasas_reports_and_the_language_scores():
    new = fabricated()
    assert new["nlu"] == {"examples": 19, "accuracy": 0.947, "macro_f1": 0.947}
    assert new["intents"] == {"greet": {"f1": 0.947, "examples": 10}, "thank": {"f1": 0.947, "examples": 9}}
    assert new["languages"]["en"] == {"accuracy": 0.5, "macro_f1": 0.3333, "examples": 2}
    assert new["stories"] == {"total": 3, "failed": ["greet (tests/stories/test_en.yml)"]}
    assert new["model"] == "sportello-abc"


def test_no_failed_stories_file_content_means_none_failed():
    assert story_figures({"conversation_accuracy": {"total": 4}}, {}) == {"total": 4, "failed": []}
    assert intent_figures({"accuracy": 1.0}) == {}
    assert language_figures({}) == {}


def test_the_same_results_show_no_change():
    old = fabricated()
    comparison = compare(old, copy.deepcopy(old))
    assert not comparison.got_worse and not comparison.better
    assert "nothing moved by that much" in render(old, old, comparison, 1.0)


def test_changes_beyond_the_threshold_are_better_or_worse():
    old = fabricated()
    new = copy.deepcopy(old)
    new["languages"]["en"]["accuracy"] = 0.48  # -2 points
    new["languages"]["it"]["accuracy"] = 0.995  # -0.5 points: below the threshold
    new["intents"]["thank"]["f1"] = 0.99  # +4.3 points
    new["nlu"]["accuracy"] = 0.93
    comparison = compare(old, new, threshold=1.0)
    assert [(c.what, c.metric, round(c.points, 1)) for c in comparison.worse] == [
        ("overall", "accuracy", -1.7), ("language en", "accuracy", -2.0)]
    assert [(c.what, c.metric, round(c.points, 1)) for c in comparison.better] == [("intent thank", "F1", 4.3)]
    assert comparison.got_worse
    text = render(old, new, comparison, 1.0)
    assert "Worse:" in text and "language en" in text and "(-2.0 points)" in text
    assert "Better:" in text and "intent thank" in text
    assert "language it" not in text.split("Compared with")[1]


def test_stories_that_start_failing_or_pass_again_and_new_intents_are_listed():
    old = fabricated()
    new = copy.deepcopy(old)
    new["stories"]["failed"] = ["goodbye (tests/stories/test_it.yml)"]
    new["intents"]["goodbye"] = {"f1": 1.0, "examples": 6}
    del new["languages"]["it"]
    comparison = compare(old, new)
    assert comparison.newly_failing == ["goodbye (tests/stories/test_it.yml)"]
    assert comparison.fixed == ["greet (tests/stories/test_en.yml)"]
    assert comparison.added == ["intent goodbye"] and comparison.removed == ["language it"]
    assert comparison.got_worse
    text = render(old, new, comparison, 1.0)
    assert "Test stories that now fail:\n  goodbye (tests/stories/test_it.yml)" in text
    assert "Test stories that pass again:" in text


def test_without_a_baseline_the_figures_are_shown_and_nothing_compared(tmp_path):
    assert load_baseline(tmp_path / "last.json") is None
    text = render(None, fabricated(), None, 1.0)
    assert "en               2     50.0%         -" in text
    assert "Test stories: 2 of 3 pass." in text and "No results recorded yet" in text


def test_recorded_results_are_read_back(tmp_path):
    path = tmp_path / "evaluation" / "last.json"
    save_baseline(path, fabricated())
    assert load_baseline(path) == fabricated()
