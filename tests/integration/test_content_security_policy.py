"""A Content-Security-Policy on every page, and CSRF on every form (issue 9, point 4).

Each role of the demo contest follows every link from the home page (GET only, this origin);
every page answered carries the policy, and no HTML page holds what the policy refuses: an
inline script, an inline event handler, a style element or attribute, a `javascript:` URL.
The judge's tablet page and the head judge's console are among the pages crawled.

Every POST form met on the way carries a CSRF token, and each form's address refuses the same
role's POST without one (403, before the view runs)."""

from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.test import Client

from config.demo import PASSWORD

pytestmark = pytest.mark.django_db

MAX_PAGES = 400
# Links that change state on GET would be a bug of their own; these only end the session.
SKIP = ("/accounts/logout/", "/static/", "/media/")


@pytest.fixture(scope="module", autouse=True)
def demo(demo_data):
    return demo_data


class PageScan(HTMLParser):
    """The page's same-document links, and what a strict policy would block in it."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.blocked: list[str] = []
        self.post_forms: list[dict] = []  # {"action": ..., "token": bool}
        self._open_form: dict | None = None

    def handle_endtag(self, tag):
        if tag == "form":
            self._open_form = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self._open_form = {"action": attributes.get("action") or "", "token": False}
            self.post_forms.append(self._open_form)
        if tag == "input" and attributes.get("name") == "csrfmiddlewaretoken" and self._open_form:
            self._open_form["token"] = bool(attributes.get("value"))
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag == "script" and "src" not in attributes:
            if attributes.get("type") not in ("application/json", "application/ld+json"):
                self.blocked.append("inline <script>")
        if tag == "style":
            self.blocked.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.blocked.append(f"{tag} {name}=")
            if name == "style":
                self.blocked.append(f"{tag} style=")
            if name in ("href", "src", "action") and (value or "").startswith("javascript:"):
                self.blocked.append(f"{tag} {name}=javascript:")


def crawl(client: Client, forms: dict | None = None) -> dict[str, list[str]]:
    """Every page reachable from home: path -> what a strict policy blocks in it. `forms`
    collects each POST form's address -> (the page it is on, whether it carries a token)."""
    seen: dict[str, list[str]] = {}
    queue = ["/"]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop()
        if path in seen:
            continue
        response = client.get(path)
        policy = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        seen[path] = []
        if not response.headers.get("Content-Type", "").startswith("text/html"):
            continue
        if response.status_code != 200:
            continue
        scan = PageScan()
        scan.feed(response.content.decode())
        seen[path] = scan.blocked
        for form in scan.post_forms if forms is not None else []:
            action = urlsplit(urljoin(path, form["action"]))
            address = action.path + (f"?{action.query}" if action.query else "")
            forms.setdefault(address, (path, form["token"]))
        for href in scan.links:
            url = urldefrag(urljoin(path, href)).url
            parts = urlsplit(url)
            if parts.netloc and parts.netloc != "testserver":
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if link.startswith("/") and not link.startswith(SKIP) and link not in seen:
                queue.append(link)
    return seen


@pytest.mark.parametrize(
    ("username", "page_of_the_role"),
    [
        (None, "/"),
        ("bantochuc", "/"),
        ("thuky", "/"),
        ("truongbgk", "/head"),  # the head judge's console
        ("giamkhao1", "/judge"),  # the judge's tablet page
        ("donvi", "/"),
        ("baocaovien", "/"),
    ],
)
def test_every_page_carries_a_strict_policy_and_needs_no_exception(username, page_of_the_role):
    client = Client()
    if username:
        assert client.login(username=username, password=PASSWORD)
    forms: dict[str, tuple[str, bool]] = {}
    pages = crawl(client, forms)
    assert len(pages) > 3, pages
    assert any(page_of_the_role in path for path in pages), sorted(pages)
    assert {path: blocked for path, blocked in pages.items() if blocked} == {}

    assert forms, "no form found"  # the language switch is on every page
    assert {address: page for address, (page, token) in forms.items() if not token} == {}
    forged = Client(enforce_csrf_checks=True)
    if username:
        forged.login(username=username, password=PASSWORD)
    answers = {address: forged.post(address, {}) for address in forms}
    # Refused by the CSRF check itself, not by the view's own permission check.
    assert {
        address: response.status_code
        for address, response in answers.items()
        if response.status_code != 403 or b"CSRF" not in response.content
    } == {}


def test_api_answers_and_error_pages_carry_the_same_policy():
    """The policy is built once and set on every response, not only on pages."""
    client = Client()
    page = client.get("/")
    api = client.get("/api/public/contests/")
    missing = client.get("/no-such-page/")
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:" in policy
    assert api.headers["Content-Security-Policy"] == policy
    assert missing.status_code == 404
    assert missing.headers["Content-Security-Policy"] == policy
