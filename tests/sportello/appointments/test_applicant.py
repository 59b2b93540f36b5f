import pytest

from sportello.appointments.applicant import application_number, clean_name, number_length


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mario Rossi", "Mario Rossi"),
        ("  amina   BEN   ali ", "amina BEN ali"),
        ("Jean-Pierre N'Diaye", "Jean-Pierre N'Diaye"),
        ("محمد عبد الله", "محمد عبد الله"),
        ("Олена Коваленко", "Олена Коваленко"),
        ("王伟", "王伟"),
        ("Gëzim Hoxha", "Gëzim Hoxha"),
        ("María José Núñez", "María José Núñez"),
        ("O. Adeyemi", "O. Adeyemi"),
    ],
)
def test_names_of_any_script_are_accepted(text, expected):
    assert clean_name(text, 70) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Mario Rossi 1985",
        "<b>Mario</b>",
        "mario@example.com",
        "https://x.it",
        "M",
        "12345",
        "!!!",
        "",
        "Mario; DROP TABLE",
        "a " * 40,
        "x" * 71,
        "Rossi_Mario",
        "Mario\u200bRossi",
    ],
)
def test_names_with_digits_markup_or_too_long_are_refused(text):
    assert clean_name(text, 70) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("050123456789", "050123456789"),
        ("05 0123 456789", "050123456789"),
        ("il numero è 1234567890", "1234567890"),
        ("AB12345678", "AB12345678"),
    ],
)
def test_application_numbers_of_the_right_length(text, expected):
    assert application_number(text) == expected


@pytest.mark.parametrize("text, length", [("12345678", 8), ("1234567890123", 13)])
def test_numbers_of_another_length_are_refused_with_their_length(text, length):
    assert application_number(text) is None
    assert number_length(text) == length
