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


def test_price_overrides_change_the_figures_and_typos_are_refused(tmp_path, monkeypatch):
    import json
    import subprocess
    import sys

    vehicle = tmp_path / "v.json"
    vehicle.write_text(json.dumps({"brand": "Renault", "model": "Clio", "year": 2016, "fuel_type": "diesel", "mileage": 98000}))

    def energy(env_value: str | None) -> int:
        env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path)}
        if env_value is not None:
            env["PRICE_OVERRIDES"] = env_value
        out = subprocess.run([sys.executable, "-m", "autocoach", "analyze", str(vehicle), "--as-of", "2026-11-24"],
                             cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return next(line["amount"] for line in json.loads(out.stdout)["monthly_cost_breakdown"] if line["key"] == "energy")

    assert energy('{"fuel_prices": {"diesel": 4.0}}') > 1.5 * energy(None)
    monkeypatch.setenv("PRICE_OVERRIDES", '{"prix_du_gasoil": 2}')
    with pytest.raises(SettingsError, match="PRICE_OVERRIDES"):
        load_settings()
    monkeypatch.setenv("PRICE_OVERRIDES", "pas du json")
    with pytest.raises(SettingsError, match="PRICE_OVERRIDES"):
        load_settings()
