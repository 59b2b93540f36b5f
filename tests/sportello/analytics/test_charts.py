"""The server-drawn SVG charts: values in titles and labels, escaping, empty data, scales."""

import xml.etree.ElementTree as ET

import pytest

from sportello.analytics.charts import bar_chart, line_chart, percent, stacked_columns

SVG = "{http://www.w3.org/2000/svg}"


def parsed(markup):
    return ET.fromstring(str(markup))  # noqa: S314 - the chart under test, not outside input


def titles(markup):
    return [element.text for element in parsed(markup).iter(f"{SVG}title")]


def test_bars_carry_label_and_value_and_scale_to_the_largest():
    chart = bar_chart("intents", "Intenti", [("ask_documents", 4), ("greet", 2)])
    root = parsed(chart)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "intents-title"
    assert titles(chart) == ["Intenti", "ask_documents: 4", "greet: 2"]
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == pytest.approx(2 * widths[1])


def test_text_is_escaped_and_there_is_no_script_or_style():
    chart = str(bar_chart("x", "<b>titolo</b>", [('<script>alert("x")</script>', 1)]))
    assert "<script>" not in chart and "&lt;script&gt;" in chart and "<b>" not in chart
    assert "style" not in chart
    assert titles(chart)[1] == '<script>alert("x")</script>: 1'


def test_no_data_says_so():
    assert "Nessun dato" in str(bar_chart("empty", "Vuoto", []))


def test_stacked_columns_total_per_day_and_legend():
    chart = stacked_columns("days", "Per giorno", ["02/11", "03/11"], [("it", [1, 1]), ("fr", [0, 1])])
    assert titles(chart) == ["Per giorno", "02/11 · it: 1", "03/11 · it: 1", "03/11 · fr: 1"]
    texts = [t.text for t in parsed(chart).iter(f"{SVG}text")]
    assert "1" in texts and "2" in texts  # the columns' totals
    assert texts[-2:] == ["it", "fr"]  # the legend
    # The scale's top is a round number at or above the largest total: 0, 1, 2, 3, 4.
    assert texts[1:6] == ["0", "1", "2", "3", "4"]


def test_the_line_breaks_where_a_day_has_no_value():
    chart = line_chart("share", "Quota", ["01/11", "02/11", "03/11", "04/11"], [0.5, 1.0, None, 0.25])
    root = parsed(chart)
    [line] = root.iter(f"{SVG}polyline")
    assert len(line.get("points").split()) == 2  # 01-02 joined; 04 alone is a point only
    assert titles(chart)[1:] == ["01/11: 50%", "02/11: 100%", "04/11: 25%"]


def test_chart_names_are_checked_and_percent_rounds():
    with pytest.raises(ValueError):
        bar_chart('x" onload="alert(1)', "t", [])
    assert percent(3 / 7) == "43%"


def test_every_intent_of_the_domain_has_a_label_for_staff():
    import yaml

    from sportello import PROJECT_ROOT
    from sportello.analytics.charts import INTENT_LABELS

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    intents = [intent if isinstance(intent, str) else next(iter(intent)) for intent in domain["intents"]]
    assert sorted(INTENT_LABELS) == sorted(intents)


def test_permit_types_are_named_as_the_catalogue_names_them():
    from sportello.analytics.charts import permit_name

    assert permit_name("studio") == "Permesso per studio"
    assert permit_name("not_in_the_catalogue") == "not_in_the_catalogue"
