import pytest

from sportello.knowledge.answers import library
from sportello.knowledge.status import status_answer

PAGE = "https://questure.poliziadistato.it/stranieri"


@pytest.fixture(scope="module")
def lib():
    return library()


def test_without_a_number_the_page_and_the_numbers_are_explained(lib):
    [message] = status_answer(lib, None, PAGE, "it")
    assert lib.knowledge.steps["status_check"]["it"] in message["text"]
    assert PAGE in message["text"]


@pytest.mark.parametrize(
    "number, expected",
    [("050123456789", "assicurata"), ("23PG012345", "numero di pratica"), ("05012345678", "11 caratteri")],
)
def test_a_typed_number_is_checked_for_shape_only(lib, number, expected):
    [message] = status_answer(lib, number, PAGE, "it")
    assert expected in message["text"]


def test_every_language_has_the_answers(lib):
    for language in ("en", "fr", "es", "ar", "sq", "uk", "zh"):
        for number in (None, "050123456789", "23PG012345", "123456"):
            [message] = status_answer(lib, number, PAGE, language)
            assert "{" not in message["text"]
