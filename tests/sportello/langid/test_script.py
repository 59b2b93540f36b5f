import pytest

from sportello.langid.script import dominant_script

SCRIPTS = ["Latin", "Arabic", "Cyrillic", "Han"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("buongiorno", "Latin"),
        ("مرحبا", "Arabic"),
        ("привіт", "Cyrillic"),
        ("你好", "Han"),
        # Italian terms inside a sentence in another script do not hide it.
        ("我的permesso di soggiorno过期了", "Han"),
        ("بغيت نجدد permesso di soggiorno", "Arabic"),
        ("треба rinnovo permesso di soggiorno", "Cyrillic"),
        ("123 !!! 😀", None),
        ("", None),
    ],
)
def test_dominant_script(text, expected):
    assert dominant_script(text, SCRIPTS) == expected


def test_a_stray_foreign_letter_does_not_decide():
    assert dominant_script("permesso di soggiorno scaduto ж", SCRIPTS) == "Latin"
