"""The AutoCoach Reflex app: theme, pages and the ASGI wrapping of the backend."""

import reflex as rx

# Imported for its side effect: Reflex compares SQLModel's metadata with the
# database at start-up, so the tables must be registered (alembic migrates).
import autocoach.models  # noqa: F401
from autocoach import routes
from autocoach.pages.landing import landing_page
from autocoach.web import wrap_backend

app = rx.App(
    stylesheets=["/autocoach.css"],
    html_lang="fr",
    api_transformer=wrap_backend,
)

app.add_page(
    landing_page,
    route=routes.HOME,
    title="AutoCoach · Le copilote de votre voiture d'occasion",
    description=(
        "Coût réel, fiabilité, conseils de revente et annonce prête à publier, "
        "à partir de vos papiers."
    ),
)
