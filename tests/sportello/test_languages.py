import pytest

from sportello.languages import LanguageRegistryError, parse_registry


def test_first_release_languages_with_italian_as_reference(registry):
    assert registry.codes == ["it", "en", "fr", "es", "ar", "sq", "uk", "zh"]
    assert registry.reference == "it"


def test_scripts_select_languages(registry):
    assert registry.with_script("Latin") == ["it", "en", "fr", "es", "sq"]
    assert registry.with_script("Han") == ["zh"]
    assert registry.with_script("Devanagari") == []


def test_get_unknown_code_is_none(registry):
    assert registry.get("ru") is None
    assert registry.get(None) is None


@pytest.mark.parametrize(
    "raw",
    [
        {"reference": "it", "languages": []},
        {"reference": "de", "languages": [{"code": "it", "name": "Italiano", "scripts": ["Latin"]}]},
        {"reference": "it", "languages": [{"code": "it", "scripts": ["Latin"]}]},
        {
            "reference": "it",
            "languages": [
                {"code": "it", "name": "Italiano", "scripts": ["Latin"]},
                {"code": "it", "name": "Italiano", "scripts": ["Latin"]},
            ],
        },
    ],
)
def test_malformed_registry_is_rejected(raw):
    with pytest.raises(LanguageRegistryError):
        parse_registry(raw)
