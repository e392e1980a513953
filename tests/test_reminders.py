"""Deadline reminders: opted-in owners get each due alert once, by real mail."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

from autocoach.domain.vehicle_form import validate_vehicle_form
from autocoach.services import reminders, vehicles
from tests.conftest import PROJECT_ROOT
from tests.test_vehicles_service import make_user

# First registered 2022-12-10: first contrôle technique due by 2026-12-10.
AS_OF = date(2026, 11, 24)
FORM = {"brand": "Dacia", "model": "Sandero", "year": "2022", "mileage": "41000", "fuel_type": "essence",
        "first_registration_date": "2022-12-10"}


def add_car(scope):
    return vehicles.create_vehicle(scope, validate_vehicle_form(FORM, AS_OF), AS_OF)


def outbox(settings) -> list[str]:
    return sorted(p.read_text() for p in settings.mail_outbox_dir.glob("*.eml")) if settings.mail_outbox_dir.exists() else []


def test_an_opted_in_owner_is_reminded_once(app_settings):
    scope = make_user("rappel@example.fr")
    add_car(scope)
    reminders.set_opt_in(scope.user_id, True)
    due = reminders.due_alerts(scope.user_id, AS_OF)
    assert [a.alert_type for a in due] == ["controle_technique"]
    assert due[0].due_date == date(2026, 12, 10)

    report = reminders.send_reminders(AS_OF)
    assert (report.emails_sent, report.alerts_sent, report.failures) == (1, 1, 0)
    mails = outbox(app_settings)
    assert len(mails) == 1 and "10/12/2026" in mails[0] and "Dacia Sandero" in mails[0]

    # The next days: nothing new to say.
    assert reminders.send_reminders(date(2026, 11, 25)).emails_sent == 0
    assert len(outbox(app_settings)) == 1


def test_owners_who_did_not_opt_in_get_nothing(app_settings):
    scope = make_user("silence@example.fr")
    add_car(scope)
    assert reminders.send_reminders(AS_OF).emails_sent == 0
    assert outbox(app_settings) == []


def test_alerts_further_than_30_days_wait(app_settings):
    scope = make_user("patience@example.fr")
    add_car(scope)
    reminders.set_opt_in(scope.user_id, True)
    assert reminders.send_reminders(date(2026, 10, 1)).emails_sent == 0


def test_the_cli_sends_the_reminders(app_settings):
    scope = make_user("cli@example.fr")
    add_car(scope)
    reminders.set_opt_in(scope.user_id, True)
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(app_settings.data_dir), "DATABASE_URL": app_settings.database_url}
    result = subprocess.run(
        [sys.executable, "-m", "autocoach", "remind", "--as-of", AS_OF.isoformat()],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "1 e-mail envoyé, 1 échéance rappelée." in result.stdout
    assert len(outbox(app_settings)) == 1
