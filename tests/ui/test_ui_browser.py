"""`sim ui` as a person uses it: a real headless Chromium drives the page.

Starts ``sim ui --port <free port>`` (bound to 127.0.0.1), opens it in Debian's
``/usr/bin/chromium`` through Playwright (no browser download), moves a slider and
checks that the numbers and the charts change at once (no Reset: the page has none),
keeps the settings as A, moves another slider and checks the A/B comparison, checks
that the record is drawn ("observed"), picks another scenario from the list, and
that the page shows no error. The
screenshot is saved to ``tests/artifacts/ui.png`` (git-ignored).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ERROR_WORDS = re.compile(r"Traceback|Exception|error in step|error in visualization|\bError\b(?! bars)|Not Found", re.I)

pytestmark = pytest.mark.slow

if not CHROMIUM.exists():
    pytest.skip("no /usr/bin/chromium (Debian's chromium package); .ci/run installs it", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="playwright is not installed: python3 -m pip install -e '.[test]'")
pytest.importorskip("solara", reason="the ui extra is not installed: python3 -m pip install -e '.[ui]'")

from playwright.sync_api import Error as PlaywrightError  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sim_command() -> list[str]:
    """The installed ``sim`` script next to this Python, else the same entry point through ``-m``."""
    script = Path(sys.executable).with_name("sim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim.cli"]


def wait_until_answering(url: str, server: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"sim ui exited with {server.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"sim ui did not answer at {url} within {timeout} s:\n{log.read_text(errors='replace')}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture
def server(tmp_path):
    port = free_port()
    log = tmp_path / "sim-ui.log"
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as out:
        process = subprocess.Popen([*sim_command(), "ui", "--port", str(port)], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_answering(url, process, log)
        yield url, process, log
    finally:
        stop(process)


def headline_values(page) -> list[str]:
    return page.locator("b.ba-value").all_inner_texts()


def chart_image(page, index: int = 0) -> bytes:
    """A screenshot of one chart; retried while the page swaps a chart for its redrawn successor."""
    for _attempt in range(20):
        try:
            return page.locator("img.ba-chart").nth(index).screenshot(timeout=5_000)
        except PlaywrightError:  # "not attached to the DOM" / "not stable" while Solara re-renders
            time.sleep(0.5)
    raise AssertionError("the chart never settled long enough to be captured")


def press_slider_key(page, label: str, key: str, value: str) -> None:
    """Focus the slider whose label starts with ``label``, press ``key``, wait until it shows ``value``."""
    slider = page.locator(f'[role="slider"][aria-label^="{label}"]')
    slider.focus()
    page.keyboard.press(key)
    page.wait_for_function(f"el => el.getAttribute('aria-valuenow') === '{value}'", arg=slider.element_handle(),
                           timeout=10_000)


def wait_for_new_chart(page, before: bytes, what: str, timeout: float = 60) -> bytes:
    deadline = time.monotonic() + timeout
    now = chart_image(page)
    while now == before and time.monotonic() < deadline:
        time.sleep(0.5)
        now = chart_image(page)
    assert now != before, f"the alignment chart did not change after {what}"
    return now


def test_a_person_moves_sliders_and_compares_two_settings(server):
    url, process, log = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "ui.png"
    problems: list[str] = []

    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        browser = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1400, "height": 2600})
        page = browser.new_page()
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
        page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("favicon.ico") else None)
        try:
            page.goto(url, wait_until="domcontentloaded")
            page.get_by_text("Year 2030").wait_for(timeout=90_000)  # the baseline, run to its end year
            page.locator("img.ba-chart").first.wait_for(timeout=30_000)
            assert page.get_by_text("Balancing Act: Belarus between Moscow and Brussels").count() >= 1
            assert page.get_by_text("1,000 worlds from 2015 to 2030").count() == 1
            assert page.get_by_role("button", name="Reset").count() == 0  # nothing to press: sliders are live
            first_values = headline_values(page)
            first_chart = chart_image(page)
            assert len(first_values) == 5

            # Every slider says where its number comes from.
            labels = page.locator(".v-input__slider label").all_inner_texts()
            evidence = [text for text in labels if "ASSUMPTION" in text or "“" in text]
            assert len(evidence) >= 8, labels

            # The record is drawn, and the scenario says what it leaves out and asks its questions.
            captions = page.locator(".ba-caption").all_inner_texts()
            assert len(captions) == 4 and sum("observed 2015" in c for c in captions) == 3, captions
            assert any("error bars where the record is uncertain" in c for c in captions), captions
            assert page.get_by_text("What this scenario leaves out").count() == 1
            assert page.locator("ul.ba-questions li").count() >= 1

            # Move the unrest-threshold slider to its top: the worlds rerun at once, no button pressed.
            press_slider_key(page, "Unrest that makes Minsk crack down", "End", "0.7")
            page.get_by_text("Unrest that makes Minsk crack down: 0.7").wait_for(timeout=60_000)
            moved_values = headline_values(page)
            assert moved_values != first_values, "the headline numbers did not change with the slider"
            moved_chart = wait_for_new_chart(page, first_chart, "moving a slider")
            assert page.get_by_text("now 0.7").count() >= 1  # the value reached the model

            # Keep these settings as A, then move the oil price (B): both are shown, with what differs.
            page.get_by_role("button", name="Keep as A").click()
            page.get_by_text("A and B are the same settings").wait_for(timeout=60_000)
            lowest = page.locator('[role="slider"][aria-label^="Long-run oil price"]').get_attribute("aria-valuemin")
            press_slider_key(page, "Long-run oil price", "Home", lowest)
            page.get_by_text(re.compile(r"A → B: Long-run oil price: \S+ → ")).wait_for(timeout=60_000)
            assert page.get_by_text("median (A)").count() == 1
            assert len(page.locator("span.ba-kept").all_inner_texts()) == 5
            wait_for_new_chart(page, moved_chart, "keeping A and moving another slider")
            captions = page.locator(".ba-caption").all_inner_texts()
            assert any("A black dashed, B in colour" in c for c in captions), captions
            assert any("A left, B right" in c for c in captions), captions

            # Clear A: back to one setting.
            page.get_by_role("button", name="Clear A").click()
            page.get_by_text("median (A)").wait_for(state="detached", timeout=60_000)

            # Another scenario, by name from the list: its own text, and the sliders back at its values.
            page.locator(".v-select").first.click()
            page.get_by_role("option", name="war_2022").click()
            page.get_by_text("War in Ukraine from 2022").first.wait_for(timeout=60_000)
            page.get_by_text("The 2020 protests and crackdown: this scenario goes straight").wait_for(timeout=60_000)
            page.get_by_text("Sliders moved for this run: none").wait_for(timeout=60_000)

            body = page.inner_text("body")
            found = ERROR_WORDS.findall(body)
            assert not found, f"the page shows error text: {found}"
            assert not problems, "\n".join(problems)
        finally:
            page.screenshot(path=str(shot))
            browser.close()

    assert shot.stat().st_size > 10_000
    # The server stops cleanly on SIGTERM with its one line.
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=15)
    output = log.read_text(errors="replace")
    assert f"running at {url}" in output
    assert output.rstrip().endswith("sim ui: stopped"), output[-2000:]
    assert process.returncode == 0
