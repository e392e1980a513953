"""Every page, on a 390 × 844 phone and a 1366 × 900 desktop: nothing wider
than the screen, and axe-core's WCAG 2.1 A/AA rules report no violation.

axe-core comes from the npm registry (scripts/setup.sh test profile installs it
into .test-tools/) and is injected into the page by Playwright. Screenshots land
in test-artifacts/screenshots/pages/ (`make screenshots` copies them to docs/).
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_garage import VEHICLE_URL, fill_vehicle_form, open_records
from tests.conftest import PROJECT_ROOT, artifacts_dir, log_in, unique_email
from tests.fixtures.documents import build_cartes_grises, build_invoices

pytestmark = pytest.mark.browser

AXE_JS = PROJECT_ROOT / ".test-tools" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
# `make screenshots` sets this: the main pages' first screen, for the README.
DOCS_SCREENSHOTS = os.environ.get("AUTOCOACH_SCREENSHOTS_DIR", "")
DOCS_PAGES = ("landing", "garage", "vehicle-dashboard", "vehicle-records", "vehicle-sell", "account")

# Elements sticking out of the screen on the right, for the failure message.
OFFENDERS_JS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let clipped = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX !== 'visible' && p.getBoundingClientRect().right <= width + 1) { clipped = true; break; }
    }
    if (!clipped) out.push(`${el.tagName.toLowerCase()}#${el.id}.${String(el.className).slice(0, 60)} right=${Math.round(box.right)}`);
  }
  return out.slice(0, 12);
}"""


@dataclass(frozen=True)
class Owner:
    storage_state: dict
    vehicle_id: int


@pytest.fixture(scope="module")
def owner(live_app, smtp_sink, browser: Browser, tmp_path_factory) -> Owner:
    """One owner with a car that has a read invoice (an expense, a reading), a
    carte grise awaiting review, and an ad."""
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    page = context.new_page()
    log_in(page, live_app, smtp_sink, unique_email("every-page"))
    page.goto(f"{live_app.url}/vehicles/new")
    page.click("#skip-plate")
    fill_vehicle_form(
        page, license_plate="EF-456-GH", brand="Peugeot", model="2008", version="1.2 PureTech 130 GT Line",
        year="2019", mileage="63 890", fuel_type="essence", gearbox="manuelle", first_registration_date="2019-03-15",
        previous_owners="1",
    )
    page.click("#vehicle-submit")
    page.wait_for_url(VEHICLE_URL)
    vehicle_id = int(VEHICLE_URL.match(page.url).group(1))
    open_records(page)
    root = tmp_path_factory.mktemp("every-page-papers")
    invoice = next(f for f in build_invoices(root, random.Random(22)) if f.source == "text_pdf")
    page.set_input_files("#documents-upload input[type=file]", [str(invoice.path)])
    expect(page.locator(".document-row", has_text="Analysé")).to_have_count(1, timeout=90_000)
    # What was read is checked, then applied (another car's plate: applied anyway).
    page.locator(".document-row .apply-review").click()
    expect(page.locator("#expense-list")).to_be_visible()
    # A carte grise left waiting for its review: the review form is checked too.
    card = build_cartes_grises(root, random.Random(21))[1]
    page.set_input_files("#documents-upload input[type=file]", [str(card.path)])
    expect(page.locator(".document-review")).to_be_visible(timeout=90_000)
    page.click("#tab-sell")
    page.click("#generate-ad")
    expect(page.locator("#ad-title")).not_to_have_value("", timeout=30_000)
    state = context.storage_state()
    context.close()
    return Owner(state, vehicle_id)


def _open(page: Page, url: str, name: str, vehicle_id: int) -> None:
    """Go to the page and wait until its content (not a spinner) is there."""
    page.goto(url.format(vehicle=vehicle_id))
    ready = {
        "landing": "#cta-bottom",
        "login": "#login-email",
        "mentions-legales": "h1",
        "confidentialite": "h1",
        "conditions": "h1",
        "garage": "#vehicle-list",
        "new-vehicle": "#plate-step",
        "new-vehicle-form": "#plate-step",
        "edit-vehicle": "#vehicle-form",
        "vehicle-dashboard": "#reliability-score",
        "vehicle-records": "#vehicle-title",
        "vehicle-sell": "#vehicle-title",
        "account": "#export-data",
    }[name]
    expect(page.locator(ready).first).to_be_visible(timeout=30_000)
    if name == "new-vehicle-form":
        page.click("#skip-plate")
        expect(page.locator("#vehicle-form")).to_be_visible()
    elif name == "vehicle-records":
        open_records(page)
        expect(page.locator("#expense-list")).to_be_visible()
    elif name == "vehicle-sell":
        page.click("#tab-sell")
        expect(page.locator("#ad-title")).to_be_visible()
    elif name == "landing":
        page.locator("#cta-bottom").scroll_into_view_if_needed()
        page.evaluate("window.scrollTo(0, 0)")
    # Charts and late sections settle.
    page.wait_for_timeout(600)


PAGES = [
    ("landing", "/", False),
    ("login", "/login", False),
    ("mentions-legales", "/mentions-legales", False),
    ("confidentialite", "/confidentialite", False),
    ("conditions", "/conditions", False),
    ("garage", "/dashboard", True),
    ("new-vehicle", "/vehicles/new", True),
    ("new-vehicle-form", "/vehicles/new", True),
    ("vehicle-dashboard", "/vehicles/{vehicle}", True),
    ("vehicle-records", "/vehicles/{vehicle}", True),
    ("vehicle-sell", "/vehicles/{vehicle}", True),
    ("edit-vehicle", "/vehicles/{vehicle}/edit", True),
    ("account", "/account", True),
]


def axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        {
            "id": v["id"],
            "help": v["help"],
            "nodes": [{"target": n["target"], "html": n["html"][:200], "summary": n.get("failureSummary", "")[:300]} for n in v["nodes"][:5]],
        }
        for v in result["violations"]
    ]


@pytest.mark.parametrize("screen", sorted(SCREENS))
@pytest.mark.parametrize(("name", "path", "signed_in"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_fits_the_screen_and_passes_axe(
    live_app, browser: Browser, owner: Owner, name: str, path: str, signed_in: bool, screen: str
):
    assert AXE_JS.exists(), "axe-core missing: run `make setup-test` (scripts/setup.sh test)"
    context = browser.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport=SCREENS[screen],
        storage_state=owner.storage_state if signed_in else None,
    )
    page = context.new_page()
    try:
        _open(page, live_app.url + path, name, owner.vehicle_id)
        shots = artifacts_dir("screenshots", "pages")
        page.screenshot(path=str(shots / f"{name}-{screen}.png"), full_page=True)
        if DOCS_SCREENSHOTS and name in DOCS_PAGES:
            docs = Path(DOCS_SCREENSHOTS)
            docs.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(docs / f"{name}-{screen}.png"))

        width = page.evaluate("document.documentElement.clientWidth")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} scrolls sideways on {screen}: {scroll} > {width}\n" + "\n".join(
            page.evaluate(OFFENDERS_JS)
        )
        # Every page links the legal pages from its footer.
        footer = page.locator("footer")
        for link_id, href in (("#footer-legal", "/mentions-legales"), ("#footer-privacy", "/confidentialite"), ("#footer-terms", "/conditions")):
            expect(footer.locator(link_id)).to_have_attribute("href", href)

        violations = axe_violations(page)
        (artifacts_dir("axe") / f"{name}-{screen}.json").write_text(json.dumps(violations, ensure_ascii=False, indent=1))
        assert violations == [], f"axe-core on {name} ({screen}):\n" + json.dumps(violations, ensure_ascii=False, indent=1)
    finally:
        context.close()


def test_legal_pages_are_reached_from_the_footer_and_show_the_settings(live_app, page: Page):
    page.goto(live_app.url + "/")
    page.locator("#footer-privacy").click()
    page.wait_for_url(re.compile(r".*/confidentialite/?$"))
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Politique de confidentialité")
    for words in ("Combien de temps", "Vos droits", "Télécharger mes données", "Supprimer définitivement mon compte", "CNIL"):
        expect(main).to_contain_text(words)
    expect(main.get_by_role("link", name="Mon compte")).to_have_attribute("href", "/account")
    page.locator("#footer-legal").click()
    page.wait_for_url(re.compile(r".*/mentions-legales/?$"))
    # The live app sets no LEGAL_* value: the page says so instead of inventing one.
    expect(page.locator("main")).to_contain_text("non renseigné par l'exploitant")
    page.locator("#footer-terms").click()
    page.wait_for_url(re.compile(r".*/conditions/?$"))
    expect(page.locator("main")).to_contain_text("Des estimations, pas des garanties")
