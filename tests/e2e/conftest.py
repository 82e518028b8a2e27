"""Playwright driving Debian's Chromium against pytest-django's live server.

Never skipped: without Chromium these tests fail with the command that fixes it.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            f"Chromium is not installed ({path} is missing). Install Debian's package: "
            "`apt-get install -y chromium` (make test does this for you).",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def visit(browser, live_server):
    """Open pages of the live site; fail the test on console errors or off-site requests."""
    contexts = []
    problems = []

    def open_page(
        *, width=1280, height=900, color_scheme="light", javascript=True, expected_failure=None
    ):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": height},
            color_scheme=color_scheme,
            java_script_enabled=javascript,
        )
        contexts.append(context)
        page = context.new_page()

        def on_console(message):
            if message.type != "error":
                return
            if expected_failure and re.search(expected_failure, message.text):
                return  # e.g. the 400 a test provokes on purpose
            if message.text.startswith("Failed to load resource"):
                return  # reported with its URL by on_response (pages may 404 on purpose)
            problems.append(f"console {message.type}: {message.text}")

        def on_response(response):
            # Pages a test opens may be 404 on purpose; what they load must not be.
            if response.status < 400 or response.request.resource_type == "document":
                return
            problem = f"{response.status} for {response.url}"
            if not (expected_failure and re.search(expected_failure, problem)):
                problems.append(problem)

        page.on("console", on_console)
        page.on("response", on_response)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

        def only_this_site(route):
            if route.request.url.startswith(live_server.url):
                route.continue_()
            else:
                problems.append(f"request to another host: {route.request.url}")
                route.abort()

        page.route("**/*", only_this_site)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, problems


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path
