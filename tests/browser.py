"""Browser-test helpers."""

from __future__ import annotations

from playwright.sync_api import Locator, Page


def follow(page: Page, target: str | Locator, *, key: str | None = None) -> None:
    """Click `target` (or press `key` in it) and wait until the page it opens has loaded.

    Playwright's own click returns once a navigation has begun, so a count or a content check
    made straight after it can read a document that is still empty.
    """
    locator = page.locator(target) if isinstance(target, str) else target
    with page.expect_navigation(wait_until="load"):
        if key:
            locator.press(key)
        else:
            locator.click()
