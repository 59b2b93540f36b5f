import pytest

from sportello.retention import retention_days


def test_office_setting_is_read():
    assert retention_days("attachments") >= 1


@pytest.mark.parametrize("value", ["0", "-3", "'30'", "true", "1.5"])
def test_invalid_settings_are_refused(tmp_path, value):
    path = tmp_path / "privacy.yml"
    path.write_text(f"retention_days:\n  attachments: {value}\n")
    with pytest.raises(ValueError, match="attachments"):
        retention_days("attachments", path)


def test_unknown_kind(tmp_path):
    with pytest.raises(ValueError):
        retention_days("everything")
