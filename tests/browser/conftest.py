import pytest

from tests.conftest import CHROMIUM


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        violations = watch_content_security_policy(browser)
        yield browser
        browser.close()
    # Every page of every test ran under the app's CSP: anything it blocked is a broken page.
    assert violations == [], violations


def watch_content_security_policy(browser) -> list[str]:
    """The Content-Security-Policy violations the browser's pages report on their console."""
    violations: list[str] = []
    new_context = browser.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        # The browser's own "Refused to …" lines never reach Playwright's console events; the
        # page's securitypolicyviolation events do, through this script (which CDP injects
        # outside the page's policy).
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation', (e) => console.error("
            "'CSP violation: ' + e.violatedDirective + ' ' + (e.blockedURI || 'inline')"
            " + ' on ' + document.location.pathname));"
        )
        context.on(
            "console",
            lambda message: violations.append(message.text)
            if message.text.startswith("CSP violation")
            else None,
        )
        return context

    browser.new_context = watched_context
    browser.new_page = lambda **kwargs: watched_context(**kwargs).new_page()
    return violations
