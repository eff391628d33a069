"""Open the HTML report in a real (headless) browser, as a teacher would, and check that every figure loads.

Uses Debian's chromium at /usr/bin/chromium through Playwright's Python client
(``executable_path``); nothing is downloaded. The page is opened from a file://
URL with the network left unused: any request other than the file itself and its
data: URIs fails the test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sim
from sim.report.document import RUN_FIGURES, write_report

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="Playwright's Python client is not installed (pip install playwright)")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    result = sim.run(ROOT / "scenarios" / "unrest_shock.yaml", replicates=60, end_year=2023)
    folder = tmp_path_factory.mktemp("browser") / "unrest"
    result.save(folder)
    return write_report([result], folder / "report.html", [folder])


@pytest.fixture(scope="module")
def page_facts(report, tmp_path_factory):
    """Load the report in chromium; return what the page shows, the requests it made and any errors."""
    profile = tmp_path_factory.mktemp("chromium-profile")  # a new, empty user-data-dir
    requests, errors = [], []
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True,
            viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(report.as_uri(), wait_until="load")
            # Wait until every image has been fetched and decoded (or has failed).
            page.wait_for_function("Array.from(document.images).every(img => img.complete)", timeout=30_000)
            images = page.evaluate("""async () => Promise.all(Array.from(document.images).map(async img => {
                let decoded = true;
                try { await img.decode(); } catch (e) { decoded = false; }
                const box = img.getBoundingClientRect();
                return {alt: img.alt, complete: img.complete, width: img.naturalWidth,
                        height: img.naturalHeight, shownWidth: box.width, decoded: decoded};
            }))""")
            facts = {
                "images": images,
                "title": page.title(),
                "h1": page.inner_text("h1"),
                "text": page.inner_text("body"),
                "overflow": page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"),
                "screenshot": page.screenshot(full_page=False),
            }
        finally:
            context.close()
    return facts, requests, errors


def test_every_figure_loads(page_facts, report):
    facts, _, _ = page_facts
    images = facts["images"]
    in_file = len(re.findall(r"<img\b", report.read_text(encoding="utf-8")))
    assert len(images) == in_file == len(RUN_FIGURES) + 1
    for image in images:
        assert image["complete"] and image["decoded"], f"figure did not load: {image['alt']}"
        assert image["width"] > 300 and image["height"] > 300, image
        assert image["shownWidth"] > 200, f"figure shown too small: {image}"


def test_page_needs_no_network_and_has_no_errors(page_facts, report):
    _, requests, errors = page_facts
    outside = [url for url in requests if not url.startswith(("data:", report.as_uri()))]
    assert outside == []
    assert errors == []


def test_page_reads_as_a_report(page_facts):
    facts, _, _ = page_facts
    assert facts["title"].startswith("Unrest shock")
    assert facts["h1"] == facts["title"]
    text = facts["text"]
    for heading in ("How to read this report", "Questions for discussion", "Headline outcomes",
                    "Events and their sources", "A typical world and its turning points", "What decided it"):
        assert heading in text, heading
    assert not facts["overflow"], "the page scrolls sideways at 1280 px"
    assert facts["screenshot"].startswith(b"\x89PNG")
