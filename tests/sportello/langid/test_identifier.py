from pathlib import Path

import pytest

from sportello.langid import make_identifier
from sportello.langid.backends import BACKENDS
from tests.conftest import SHARED_LANGID


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def identifier(request, registry):
    return make_identifier(registry, request.param)


@pytest.mark.parametrize(
    "text, language",
    [
        ("مرحبا أريد تجديد الإقامة", "ar"),
        ("我想续居留", "zh"),
        ("Доброго дня, мені потрібно продовжити дозвіл", "uk"),
        ("Buongiorno, vorrei sapere quali documenti servono per il rinnovo", "it"),
        ("Hello, I would like to know which documents I need for the renewal", "en"),
        ("Bonjour, je voudrais savoir quels documents il faut pour le renouvellement", "fr"),
        ("Hola, quisiera saber qué documentos necesito para la renovación", "es"),
        ("Pershendetje, dua te di cilat dokumente duhen per rinovimin", "sq"),
    ],
)
def test_detects_each_language(identifier, text, language):
    detection = identifier.detect(text)
    assert detection.language == language
    assert 0.0 < detection.confidence <= 1.0


def test_unique_script_is_decisive(identifier):
    detection = identifier.detect("شكرا")
    assert (detection.language, detection.confidence, detection.decisive) == ("ar", 1.0, True)


def test_no_evidence_gives_no_language(identifier):
    detection = identifier.detect("12345 !!")
    assert detection.language is None
    assert detection.confidence == 0.0


def test_unknown_backend_is_refused(registry):
    with pytest.raises(ValueError, match="unknown language-ID backend"):
        make_identifier(registry, "cld3")


def _sentences(language: str, count: int) -> list:
    path = Path(SHARED_LANGID) / "sentences" / f"{language}.txt"
    return path.read_text(encoding="utf-8").splitlines()[:count]


@pytest.mark.skipif(not SHARED_LANGID.is_dir(), reason="needs ../shared/data/langid (the test data beside the project)")
def test_sentence_accuracy_on_third_party_data(identifier, registry):
    # Published figures for sentences are about 99% for both detectors; a drop below
    # 97% on these 8 languages means the identifier is broken, not unlucky.
    right = total = 0
    for language in registry.codes:
        for sentence in _sentences(language, 150):
            right += identifier.detect(sentence).language == language
            total += 1
    assert right / total >= 0.97
