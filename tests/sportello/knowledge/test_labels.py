import pytest

from sportello.knowledge.labels import load_labels


def write(tmp_path, body):
    path = tmp_path / "labels.yml"
    path.write_text(body, encoding="utf-8")
    return path


def test_labels_fill_placeholders(tmp_path):
    path = write(tmp_path, 'labels:\n  total:\n    it: "Totale: {amount}"\n    en: "Total: {amount}"\n')
    labels = load_labels(path, ["it", "en"], "it")
    assert labels("total", "en", amount="5 €") == "Total: 5 €"


def test_a_missing_language_or_placeholder_is_reported(tmp_path):
    path = write(
        tmp_path,
        'labels:\n  total:\n    it: "Totale: {amount}"\n    en: "Total: {sum}"\n  free:\n    it: "Gratis"\n',
    )
    with pytest.raises(ValueError) as caught:
        load_labels(path, ["it", "en"], "it")
    assert str(caught.value).splitlines() == [
        "labels.yml: total.en: placeholders must be ['amount']",
        "labels.yml: free: no en text",
    ]
