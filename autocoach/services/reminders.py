"""Email reminders of deadlines, for owners who opted in.

`python -m autocoach remind` runs daily (cron or a systemd timer): each alert of
an opted-in owner's vehicles that falls due within the next 30 days is emailed
once; `ReminderSent` remembers what was sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from autocoach.db import read_session, write_session
from autocoach.domain.formatting import format_date
from autocoach.models import ReminderSent, User, Vehicle
from autocoach.services import analysis, vehicles
from autocoach.services.mail import MailDeliveryError, OutgoingMail, send_mail
from autocoach.settings import get_settings

log = logging.getLogger(__name__)

REMIND_WITHIN_DAYS = 30


def set_opt_in(user_id: int, enabled: bool) -> None:
    with write_session() as session:
        user = session.get(User, user_id)
        if user is None:
            raise vehicles.NotFound("Compte introuvable.")
        user.reminders_opt_in = enabled
        session.add(user)


def is_opted_in(user_id: int) -> bool:
    with read_session() as session:
        user = session.get(User, user_id)
        return bool(user and user.reminders_opt_in)


@dataclass(frozen=True)
class DueAlert:
    vehicle_id: int
    vehicle: str
    alert_type: str
    due_date: date
    message: str


def due_alerts(user_id: int, as_of: date) -> list[DueAlert]:
    """Alerts due between today and 30 days from now, not yet reminded."""
    scope = vehicles.OwnerScope(user_id)
    horizon = as_of + timedelta(days=REMIND_WITHIN_DAYS)
    due: list[DueAlert] = []
    with read_session() as session:
        cars = session.exec(select(Vehicle).where(Vehicle.user_id == user_id)).all()
        already = {
            (r.vehicle_id, r.alert_type, r.due_date)
            for r in session.exec(
                select(ReminderSent).join(Vehicle, Vehicle.id == ReminderSent.vehicle_id).where(
                    Vehicle.user_id == user_id
                )
            ).all()
        }
    for car in cars:
        try:
            result = analysis.analyze_vehicle(scope, car.id, as_of).result
        except Exception:  # noqa: BLE001 - one car's data must not stop the others
            log.exception("Analysis failed for vehicle %s during reminders", car.id)
            continue
        for alert in result.alerts:
            if alert.due_date is None or not as_of <= alert.due_date <= horizon:
                continue
            if (car.id, alert.type, alert.due_date) in already:
                continue
            due.append(DueAlert(car.id, f"{car.brand} {car.model}", alert.type, alert.due_date, alert.message))
    return due


def reminder_email(email: str, alerts: list[DueAlert]) -> OutgoingMail:
    settings = get_settings()
    lines = [f"- {format_date(a.due_date)} · {a.vehicle} : {a.message}" for a in alerts]
    text = (
        "Bonjour,\n\nVoici les échéances de vos véhicules dans les 30 prochains jours :\n\n"
        + "\n".join(lines)
        + f"\n\nRetrouvez le détail sur {settings.app_url}/dashboard\n\n"
        "Vous recevez ce message car vous avez activé les rappels. Vous pouvez les "
        "désactiver depuis votre garage.\n\nL'équipe AutoCoach\n"
    )
    items = "".join(
        f"<li><strong>{format_date(a.due_date)}</strong> · {a.vehicle} : {a.message}</li>" for a in alerts
    )
    html = (
        '<!doctype html><html lang="fr"><body style="font-family:Arial,sans-serif;color:#1e293b">'
        "<p>Bonjour,</p><p>Voici les échéances de vos véhicules dans les 30 prochains jours :</p>"
        f"<ul>{items}</ul>"
        f'<p><a href="{settings.app_url}/dashboard">Ouvrir mon garage</a></p>'
        '<p style="font-size:13px;color:#64748b">Vous recevez ce message car vous avez activé les '
        "rappels. Vous pouvez les désactiver depuis votre garage.</p></body></html>"
    )
    count = len(alerts)
    subject = "AutoCoach : 1 échéance à venir" if count == 1 else f"AutoCoach : {count} échéances à venir"
    return OutgoingMail(to=email, subject=subject, text=text, html=html)


@dataclass(frozen=True)
class RemindReport:
    emails_sent: int
    alerts_sent: int
    failures: int


def send_reminders(as_of: date) -> RemindReport:
    """Email every opted-in owner their newly due alerts, once each."""
    with read_session() as session:
        owners = session.exec(
            select(User.id, User.email).where(User.reminders_opt_in == True, User.is_active == True)  # noqa: E712
        ).all()
    emails = sent = failures = 0
    for user_id, email in owners:
        alerts = due_alerts(user_id, as_of)
        if not alerts:
            continue
        try:
            send_mail(reminder_email(email, alerts))
        except MailDeliveryError:
            failures += 1
            continue  # nothing recorded: tomorrow's run tries again
        with write_session() as session:
            for alert in alerts:
                session.add(ReminderSent(vehicle_id=alert.vehicle_id, alert_type=alert.alert_type, due_date=alert.due_date))
            try:
                session.flush()
            except IntegrityError:  # a concurrent run recorded them first
                session.rollback()
        emails += 1
        sent += len(alerts)
    return RemindReport(emails, sent, failures)
