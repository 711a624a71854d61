"""The website in a real browser: Debian's chromium driven by Playwright.

The hand-made release of :mod:`tests.test_render` is published to a folder and opened
twice, from a local web server and as ``file://`` (as from a USB stick). Every request
to anywhere else is blocked and recorded, and the tests assert there was none: the site
must work with the network off. On each page the Leaflet map must have drawn the
districts, the console must show no error, and axe-core (shipped as ``axe.min.js`` by
the ``axe-playwright-python`` package, injected from the local file) must find no
serious or critical violation.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from atlas.classify import PALETTE
from atlas.publish import publish
from atlas.render.site import NAV

playwright_sync = pytest.importorskip("playwright.sync_api")
axe_package = pytest.importorskip("axe_playwright_python")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AXE_JS = (Path(axe_package.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(site_with_schools, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site") / "build"
    publish(site_with_schools.files, root)
    return root


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep the test output clean
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert CHROMIUM.exists(), "Debian's chromium is needed: run ./setup.sh test"
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


class Visit:
    """One page opened with every request outside ``base`` blocked and remembered."""

    def __init__(self, browser, base: str, path: str, *, width: int = 1280) -> None:
        self.base = base
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(base + path, wait_until="load")

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.base):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def axe_violations(self) -> list[str]:
        self.page.evaluate(AXE_JS)
        result = self.page.evaluate(
            "axe.run(document, {resultTypes: ['violations'], preload: false})"
            ".then(r => r.violations)"
        )
        return [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:3])
            for v in result
            if v["impact"] in ("serious", "critical")
        ]

    def close(self) -> None:
        self.context.close()


def open_page(browser, base: str, path: str, *, width: int = 1280) -> Visit:
    return Visit(browser, base, path, width=width)


def bases(site: Path, server: str) -> dict[str, str]:
    return {"http": server, "file": site.as_uri() + "/"}


@pytest.mark.parametrize("how", ["http", "file"])
def test_home_page_draws_its_map_offline_with_no_error_and_no_serious_axe_finding(
    browser, site, server, how
):
    visit = open_page(browser, bases(site, server)[how], "index.html")
    try:
        page = visit.page
        page.wait_for_selector("#map_home_map .leaflet-overlay-pane path.leaflet-interactive")
        areas = page.locator("#map_home_map .leaflet-overlay-pane path.leaflet-interactive")
        # Districts 1 and 2 have polygons (75 has none); the higher share is darker.
        assert areas.count() == 2
        fills = {areas.nth(i).get_attribute("fill") for i in range(2)}
        assert fills == {PALETTE[0], PALETTE[-1]}
        assert visit.blocked == []
        assert visit.errors == []
        assert visit.axe_violations() == []
    finally:
        visit.close()


@pytest.mark.parametrize("how", ["http", "file"])
def test_district_page_draws_its_map_offline_with_no_error_and_no_serious_axe_finding(
    browser, site, server, how
):
    visit = open_page(browser, bases(site, server)[how], "districts/1.html")
    try:
        page = visit.page
        assert page.locator("h1").inner_text() == "District 1"
        assert page.locator(".locator svg path").count() >= 2
        # The map of schools: both districts' polygons, then district 1's two schools
        # with 10 or more homeless students as dots (Alder in the lightest class, Cedar
        # withheld, hatched).
        page.wait_for_selector("#map_schools_map .leaflet-overlay-pane path.leaflet-interactive")
        drawn = page.locator("#map_schools_map .leaflet-overlay-pane path.leaflet-interactive")
        fills = [drawn.nth(i).get_attribute("fill") for i in range(drawn.count())]
        assert fills == ["#ffffff", "#e0e0e0", PALETTE[0], "url(#mark-withheld)"]
        assert visit.blocked == []
        assert visit.errors == []
        assert visit.axe_violations() == []
    finally:
        visit.close()


def test_a_request_to_another_host_is_caught(browser, site, server):
    """The blocking the other tests rely on does see a request that leaves the site."""
    page_path = site / "leaks.html"
    page_path.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>t</title>'
        '<script src="https://unpkg.com/leaflet.js"></script></head><body></body></html>'
    )
    try:
        visit = open_page(browser, server, "leaks.html")
        assert visit.blocked == ["https://unpkg.com/leaflet.js"]
        visit.close()
    finally:
        page_path.unlink()


PAGES = [path for path, _ in NAV] + ["districts/1.html", "districts/75.html"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_offline_with_no_error_and_no_serious_axe_finding(browser, server, path):
    visit = open_page(browser, server, path)
    try:
        assert visit.blocked == []
        assert visit.errors == []
        assert visit.axe_violations() == []
    finally:
        visit.close()


@pytest.mark.parametrize(
    "path", ["index.html", "outcomes.html", "compare.html", "districts/1.html"]
)
def test_pages_fit_a_phone_screen_without_sideways_scrolling(browser, server, path):
    """At 390 px wide (a phone) the page itself never scrolls sideways: wide tables
    scroll inside their own box, and the maps shrink to the screen."""
    visit = open_page(browser, server, path, width=390)
    try:
        page = visit.page
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        for box in page.locator(".leaflet-container").all():
            assert box.bounding_box()["width"] <= 390
    finally:
        visit.close()


def test_jump_to_a_district_by_neighbourhood_with_the_keyboard_alone(browser, site, server):
    """From the home page opened as a file: Tab to the skip link, then the jump box, type
    a neighbourhood of district 1 and press Enter."""
    visit = open_page(browser, site.as_uri() + "/", "index.html")
    try:
        page = visit.page
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "jump-to"
        page.keyboard.type("westside")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url == (site / "districts" / "1.html").as_uri()
        assert page.locator("h1").inner_text() == "District 1"
    finally:
        visit.close()


def test_jump_box_says_so_when_nothing_matches(browser, server):
    visit = open_page(browser, server, "districts/2.html")
    try:
        page = visit.page
        page.fill("#jump-to", "Atlantis")
        page.press("#jump-to", "Enter")
        assert (
            page.locator(".jump-status").inner_text() == "No district matches \u201cAtlantis\u201d."
        )
        page.fill("#jump-to", "75")
        with page.expect_navigation():
            page.press("#jump-to", "Enter")
        assert page.url == server + "districts/75.html"
    finally:
        visit.close()


def test_compare_shows_the_two_chosen_districts_side_by_side(browser, server):
    visit = open_page(browser, server, "compare.html")
    try:
        page = visit.page

        def shown() -> list[str]:
            heads = page.locator("table.compare thead th[data-geo]")
            return [h.inner_text() for h in heads.all() if h.is_visible()]

        assert shown() == ["District 1", "District 2"]
        page.select_option("#compare-b", "75")
        assert shown() == ["District 1", "District 75"]
        label = page.locator("th", has_text=re.compile(r"^Share homeless$"))
        row = page.locator("table.compare tbody tr").filter(has=label)
        cells = [c.inner_text() for c in row.locator("td").all() if c.is_visible()]
        assert cells == ["25.0%", "r"]  # 75's share is omitted as unreliable
    finally:
        visit.close()
