"""Settings: read once from the environment, every one documented."""

from __future__ import annotations

import re

import pytest

from autocoach.settings import PROJECT_ROOT, SettingsError, load_settings, normalize_database_url


def test_env_example_documents_every_setting():
    source = (PROJECT_ROOT / "autocoach" / "settings.py").read_text()
    read = set(re.findall(r'_env_\w+\(\s*"([A-Z_]+)"', source)) | set(
        re.findall(r'os\.environ\.get\("([A-Z_]+)"', source)
    )
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z_]+)=", (PROJECT_ROOT / ".env.example").read_text(), re.M)
    )
    assert read, "no setting found: the pattern above is out of date"
    assert read <= documented, f"undocumented in .env.example: {sorted(read - documented)}"


def test_database_url_defaults_to_sqlite_in_the_data_dir(tmp_path):
    assert normalize_database_url("", tmp_path) == f"sqlite:///{tmp_path / 'autocoach.db'}"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("postgresql://u:p@db:5432/ac", "postgresql+psycopg://u:p@db:5432/ac"),
        ("postgres://u@db/ac", "postgresql+psycopg://u@db/ac"),
        ("sqlite:////var/lib/ac.db", "sqlite:////var/lib/ac.db"),
        ("sqlite:///data/x.db", f"sqlite:///{PROJECT_ROOT / 'data' / 'x.db'}"),
    ],
)
def test_database_urls_people_write_are_understood(raw, expected, tmp_path):
    assert normalize_database_url(raw, tmp_path) == expected


@pytest.mark.parametrize("raw", ["mysql://x/y", "not a url", "sqlite://", "sqlite:///:memory:"])
def test_unusable_database_urls_are_refused_clearly(raw, tmp_path):
    with pytest.raises(SettingsError):
        normalize_database_url(raw, tmp_path)


def test_bad_numbers_and_urls_are_refused(monkeypatch):
    monkeypatch.setenv("SESSION_TTL_DAYS", "trente")
    with pytest.raises(SettingsError, match="SESSION_TTL_DAYS"):
        load_settings()
    monkeypatch.delenv("SESSION_TTL_DAYS")
    monkeypatch.setenv("APP_URL", "localhost:3000")
    with pytest.raises(SettingsError, match="APP_URL"):
        load_settings()
