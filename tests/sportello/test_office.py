import pytest
import yaml

from sportello.office import field_text, load_office


def test_sourced_fields_from_the_press_release():
    office = load_office()
    assert office["whatsapp"]["value"] == "351 7749241"
    assert office["phone"]["value"] == "075 5062594"


def test_field_text_per_language():
    field = {"value": {"it": "martedì", "en": "Tuesday"}}
    assert field_text(field, "en", "it") == "Tuesday"
    assert field_text(field, "fr", "it") == "martedì"
    assert field_text(None, "en", "it") is None
    assert field_text({"value": None}, "en", "it") is None


def test_unknown_field_is_an_error(tmp_path):
    path = tmp_path / "office.yml"
    path.write_text(yaml.safe_dump({"fields": {"fax": {"value": "1"}}}))
    with pytest.raises(ValueError, match="unknown office fields"):
        load_office(path)
