"""Database tables (plain SQLModel, `table=True`).

Times are aware UTC (see `db.utcnow`). Money is in euros. Every row of user data
hangs off `user` through `vehicle`, with ON DELETE CASCADE, so deleting an
account or a vehicle removes what belongs to it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from autocoach.db import utcnow
from autocoach.domain.vehicle_schema import FIELDS_BY_NAME

# Named constraints, so that later migrations (SQLite batch mode included) can
# refer to them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _fk(target: str, *, ondelete: str, nullable: bool = False, index: bool = True) -> Any:
    """A foreign-key field with an explicit ON DELETE rule (SQLModel's own
    `foreign_key=` cannot express it portably)."""
    return Field(
        default=None if nullable else ...,
        sa_column=Column(
            Integer,
            ForeignKey(target, ondelete=ondelete),
            nullable=nullable,
            index=index,
        ),
    )


def _json_field() -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=True))


class User(SQLModel, table=True):
    __tablename__ = "user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_login: datetime | None = None
    is_active: bool = True
    # Email reminders of upcoming deadlines (contrôle technique...), opt-in.
    reminders_opt_in: bool = False


class LoginToken(SQLModel, table=True):
    """A magic link sent by email. Only the SHA-256 of the token is stored.

    The account may not exist yet (it is created on the first successful
    login), hence the email rather than a user id. Rows also serve the
    per-email and per-client rate limits.
    """

    __tablename__ = "login_token"
    __table_args__ = (
        Index("ix_login_token_email_created", "email", "created_at"),
        Index("ix_login_token_client_created", "client_hash", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    token_hash: str = Field(max_length=64, unique=True)
    client_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    # Where to go after login (a path inside the app, validated on the way in).
    next_path: str = Field(default="/dashboard", max_length=300)


class UserSession(SQLModel, table=True):
    """A logged-in browser. The cookie holds the id; the table its SHA-256."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _fk("user.id", ondelete="CASCADE")
    session_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    last_seen_at: datetime | None = None
    revoked_at: datetime | None = None


def _sized(name: str) -> int | None:
    return FIELDS_BY_NAME[name].max_length


class Vehicle(SQLModel, table=True):
    """The values the engine uses; `VehicleFact` says where each one came from.

    Column sizes come from the vehicle schema (`domain/vehicle_schema.py`).
    """

    __tablename__ = "vehicle"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _fk("user.id", ondelete="CASCADE")
    license_plate: str | None = Field(default=None, max_length=_sized("license_plate"))
    brand: str = Field(max_length=_sized("brand"))
    model: str = Field(max_length=_sized("model"))
    version: str | None = Field(default=None, max_length=_sized("version"))
    year: int
    mileage: int = 0
    fuel_type: str = Field(max_length=_sized("fuel_type"))
    gearbox: str | None = Field(default=None, max_length=_sized("gearbox"))
    previous_owners: int | None = None
    purchase_date: date | None = None
    purchase_price: float | None = None
    vin: str | None = Field(default=None, max_length=_sized("vin"))
    first_registration_date: date | None = None
    fiscal_power: int | None = None
    power_kw: int | None = None
    co2: int | None = None
    euro_class: str | None = Field(default=None, max_length=_sized("euro_class"))
    color: str | None = Field(default=None, max_length=_sized("color"))
    postcode: str | None = Field(default=None, max_length=_sized("postcode"))
    insurance_monthly: float | None = None
    battery_rental_monthly: float | None = None
    battery_soh: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class VehicleFact(SQLModel, table=True):
    """One source's value for one field of a vehicle (its provenance).

    The owner's form, each applied document and the plate provider leave one
    row per field they give; `domain/provenance.py` decides which one the
    vehicle uses. Removing a document removes its rows, and the next source
    takes over.
    """

    __tablename__ = "vehicle_fact"
    __table_args__ = (Index("ix_vehicle_fact_vehicle_field", "vehicle_id", "field"),)

    id: int | None = Field(default=None, primary_key=True)
    vehicle_id: int = _fk("vehicle.id", ondelete="CASCADE", index=False)
    field: str = Field(max_length=40)
    # proprietaire | carte_grise | histovec | facture | fournisseur_plaque
    source: str = Field(max_length=20)
    document_id: int | None = _fk("document.id", ondelete="CASCADE", nullable=True)
    # The document's own date (carte grise I, Histovec report date), or when typed.
    source_date: date | None = None
    # The value as JSON text (dates in ISO form).
    value: str = Field(max_length=200)
    # The owner changed this value on purpose: it wins over every document.
    corrected: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Document(SQLModel, table=True):
    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    vehicle_id: int = _fk("vehicle.id", ondelete="CASCADE")
    # histovec | carte_grise | facture; None until the content has been read.
    document_type: str | None = Field(default=None, max_length=20)
    original_filename: str = Field(max_length=255)
    stored_path: str = Field(max_length=255)
    mime_type: str = Field(max_length=100)
    size_bytes: int
    sha256: str = Field(max_length=64)
    # pending | reading | processed | failed (indexed: the job sweep looks for the first two)
    status: str = Field(default="pending", max_length=20, index=True)
    error_message: str | None = None
    extracted: dict | None = _json_field()
    # Once read: to_review (the owner checks what was read) | applied |
    # held (it seems to concern another car) | kept (stored, not applied).
    review_status: str | None = Field(default=None, max_length=20)
    # Why it was held back, in French.
    review_reason: str | None = Field(default=None, max_length=300)
    uploaded_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None
    # Reading job (services/jobs.py): when it was last queued, until when the
    # worker reading it holds it (renewed while it reads), and how many reads
    # began, so a file that kills its worker every time ends failed.
    queued_at: datetime | None = None
    lease_until: datetime | None = None
    read_attempts: int = Field(default=0)


class Analysis(SQLModel, table=True):
    """A cached engine result, reused until the vehicle's inputs change."""

    __tablename__ = "analysis"
    __table_args__ = (Index("ix_analysis_vehicle_inputs", "vehicle_id", "inputs_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    vehicle_id: int = _fk("vehicle.id", ondelete="CASCADE", index=False)
    reliability_score: float
    monthly_cost_estimate: float
    resale_recommendation: dict | None = _json_field()
    generated_ad: dict | None = _json_field()
    # The whole engine result, as its JSON form.
    result: dict | None = _json_field()
    inputs_hash: str = Field(max_length=64)
    engine_version: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class Expense(SQLModel, table=True):
    __tablename__ = "expense"

    id: int | None = Field(default=None, primary_key=True)
    vehicle_id: int = _fk("vehicle.id", ondelete="CASCADE")
    # The invoice it was read from, if any; the expense outlives its document.
    document_id: int | None = _fk("document.id", ondelete="SET NULL", nullable=True)
    date: date
    mileage: int | None = None
    category: str = Field(max_length=30)
    amount: float
    label: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class MileageReading(SQLModel, table=True):
    """Odometer history: readings are added, never overwritten."""

    __tablename__ = "mileage_reading"
    __table_args__ = (UniqueConstraint("vehicle_id", "date", "km", "source"),)

    id: int | None = Field(default=None, primary_key=True)
    vehicle_id: int = _fk("vehicle.id", ondelete="CASCADE")
    document_id: int | None = _fk("document.id", ondelete="SET NULL", nullable=True)
    date: date
    km: int
    # READING_SOURCES ids (domain/facts.py): proprietaire | correction | histovec | facture ...
    source: str = Field(max_length=20)
    # The owner marked it as a typing or reading error: kept, ignored by the engine.
    typo: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class ReminderSent(SQLModel, table=True):
    """One reminder email per vehicle, alert and due date: never twice."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("vehicle_id", "alert_type", "due_date"),)

    id: int | None = Field(default=None, primary_key=True)
    vehicle_id: int = _fk("vehicle.id", ondelete="CASCADE")
    alert_type: str = Field(max_length=40)
    due_date: date
    sent_at: datetime = Field(default_factory=utcnow)


class GeneratedAd(SQLModel, table=True):
    """Every ad generated or edited for a vehicle: the latest is shown."""

    __tablename__ = "generated_ad"

    id: int | None = Field(default=None, primary_key=True)
    vehicle_id: int = _fk("vehicle.id", ondelete="CASCADE")
    platform: str = Field(max_length=20)
    title: str = Field(max_length=200)
    description: str
    price: int
    # The full ad (criteria, mentions, checklist...) as generated.
    payload: dict | None = _json_field()
    # template | ai | edited
    source: str = Field(max_length=20)
    variant: int = 0
    created_at: datetime = Field(default_factory=utcnow)
