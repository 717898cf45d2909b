"""Helpers for the tests that drive real Chromium with Playwright."""

import os
import re
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

from tests.world import PASSWORD

# Playwright's sync API keeps an event loop in this thread; the ORM calls made by the test
# itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LANDSCAPE = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}


def outside_the_event_loop(work):
    """Run ORM work in a plain thread whose connection is closed afterwards.

    Inside Playwright's event loop Django keeps connections per context, and one opened there
    would outlive the test and block dropping the test database."""

    def run():
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def login(browser, live_server, username, password=PASSWORD, viewport=LANDSCAPE):
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    return page


def mark(page, code: str, value: str) -> None:
    """Set a criterion on the judge's sheet as a finger would: the whole-point button, then
    the stepper up to the fraction."""
    criterion = page.locator(f".criterion[data-code={code}]")
    whole, _, fraction = value.partition(".")
    criterion.locator(f".chip[data-value='{whole}']").click()
    step = criterion.locator("button.step").last
    shown = page.locator(f"[data-testid=value-{code}]")
    for _ in range(8):
        if shown.inner_text().replace(",", ".") == value:
            return
        if not fraction:
            break
        step.click()
    assert shown.inner_text().replace(",", ".") == value


class CountingProxy:
    """A TCP forwarder in front of the live server that counts the bytes sent to the browser:
    what a page costs on the venue's Wi-Fi, service worker fetches included."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.received = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def take(self) -> int:
        """The bytes counted since the last call."""
        with self._lock:
            count, self.received = self.received, 0
        return count

    def _accept(self):
        while True:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, source, target, counted):
        try:
            while data := source.recv(65536):
                if counted:
                    with self._lock:
                        self.received += len(data)
                target.sendall(data)
        except OSError:
            pass
        finally:
            for side in (source, target):
                try:
                    side.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self._listener.close()
