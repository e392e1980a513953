"""The AutoCoach Reflex app: pages, start-up check, error handling, ASGI wrapping."""

import asyncio
import contextlib
import logging
import os
import sys

import reflex as rx
from reflex.middleware import Middleware
from reflex.utils.prerequisites import get_states_dir

# Imported for its side effect: Reflex compares SQLModel's metadata with the
# database at start-up, so the tables must be registered (alembic migrates).
import autocoach.models  # noqa: F401
from autocoach import routes
from autocoach.components.layout import connection_overlay
from autocoach.observability import configure_logging, new_id, request_id
from autocoach.pages.account import account_page
from autocoach.pages.auth import login_page, verify_page
from autocoach.pages.dashboard import dashboard_page
from autocoach.pages.landing import landing_page
from autocoach.services import jobs, storage
from autocoach.pages.legal import legal_notice_page, privacy_page, terms_page
from autocoach.pages.vehicle import edit_vehicle_page, new_vehicle_page, vehicle_page
from autocoach.state.analysis import AnalysisState
from autocoach.state.auth import LoginState, SessionState, VerifyState
from autocoach.state.documents import DocumentsState
from autocoach.state.garage import GarageState
from autocoach.state.vehicle import VehicleState
from autocoach.state.vehicle_form import VehicleFormState
from autocoach.state.resale import ResaleState
from autocoach.web import backend_transformers


async def check_database() -> None:
    """Say clearly at start-up when the configured database cannot be reached.

    The server keeps running (so /_health can answer 503 and the app recovers
    when the database comes back), but the operator sees why nothing works."""
    from sqlalchemy import text

    from autocoach.db import get_engine
    from autocoach.settings import get_settings

    def ping() -> None:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))

    # Room kept aside so owners can still delete documents on a full disk.
    await asyncio.to_thread(storage.keep_reserve)
    try:
        await asyncio.to_thread(ping)
    except Exception as exc:  # noqa: BLE001 - any driver error means the same here
        url = get_settings().database_url.split("@")[-1]  # never print a password
        message = f"AutoCoach cannot reach its database ({url}): {exc.__class__.__name__}: {exc}"
        print(message, file=sys.stderr, flush=True)


def backend_error(exception: Exception):
    """Any unexpected server error: logged in full, told to the owner in French."""
    logging.getLogger("autocoach.errors").error(
        "Unhandled error in an event", exc_info=(type(exception), exception, exception.__traceback__)
    )
    return rx.toast.error(
        "Un problème temporaire est survenu sur le serveur : réessayez dans un instant. "
        "Rien de ce que vous avez enregistré n'est perdu.",
        id="backend_error",
    )


def restrict_new_files() -> None:
    """Everything this process writes is for its own user only (files 0600,
    folders 0700): Reflex's stored page states above all, and outbox mails,
    backups, keys. Older states from before this rule are tightened too."""
    os.umask(0o077)
    states = get_states_dir()
    if states.is_dir():
        states.chmod(0o700)
        for path in states.glob("*.pkl"):
            path.chmod(0o600)


restrict_new_files()

app = rx.App(
    stylesheets=["/autocoach.css"],
    html_lang="fr",
    api_transformer=backend_transformers(),
    backend_exception_handler=backend_error,
)
# Our own French connection banner instead of Reflex's English toast.
app.app_wraps[(5, "Overlay")] = lambda stateful: connection_overlay() if stateful else None

app.add_page(
    landing_page,
    route=routes.HOME,
    title="AutoCoach · Le copilote de votre voiture d'occasion",
    description=(
        "Coût réel, fiabilité, conseils de revente et annonce prête à publier, "
        "à partir de vos papiers."
    ),
)

# (page, route, title, events on load), in one table.
PAGES = (
    (legal_notice_page, routes.LEGAL, "Mentions légales", None),
    (privacy_page, routes.PRIVACY, "Politique de confidentialité", None),
    (terms_page, routes.TERMS, "Conditions d'utilisation", None),
    (login_page, routes.LOGIN, "Connexion", LoginState.on_login_load),
    (verify_page, routes.VERIFY, "Connexion", VerifyState.check_link),
    (dashboard_page, routes.DASHBOARD, "Mon garage", [SessionState.require_login, GarageState.load_garage]),
    (new_vehicle_page, routes.NEW_VEHICLE, "Ajouter une voiture",
     [SessionState.require_login, VehicleFormState.start_new]),
    (
        vehicle_page,
        routes.VEHICLE,
        "Ma voiture",
        [
            SessionState.require_login,
            VehicleState.load_vehicle,
            DocumentsState.load_documents,
            AnalysisState.run_analysis,
            ResaleState.load_ad,
        ],
    ),
    (edit_vehicle_page, routes.EDIT_VEHICLE, "Modifier la voiture",
     [SessionState.require_login, VehicleFormState.start_edit]),
    (account_page, routes.ACCOUNT, "Mon compte", SessionState.require_login),
)
for page, route, title, on_load in PAGES:
    app.add_page(page, route=route, title=f"{title} · AutoCoach", on_load=on_load)
# /logout is served by web.py: GET asks, POST (from our pages only) logs out.

app.register_lifespan_task(check_database)


@contextlib.asynccontextmanager
async def embedded_worker():
    """`make run` reads documents with no extra service: a worker beside the app."""
    process = jobs.start_embedded_worker()
    try:
        yield
    finally:
        await asyncio.to_thread(jobs.stop_embedded_worker, process)


app.register_lifespan_task(embedded_worker)


class EventIdMiddleware(Middleware):
    """Each Reflex event gets an id its log lines carry (see observability)."""

    async def preprocess(self, app, state, event):  # noqa: ANN001 - Reflex's signature
        request_id.set(new_id("evt"))
        logging.getLogger("autocoach.events").debug("event %s", event.name)
        return None


configure_logging()
app.add_middleware(EventIdMiddleware())
