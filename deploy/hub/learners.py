"""simulated learners for the class hub: each one a chromium page that logs in and opens the
dashboard, as a student following the teacher's link would (tests and bench/hub_crowd.py)."""

from __future__ import annotations

import time

DASHBOARD = "/voila/render/notebooks/dashboard.ipynb"
DONE = ".sv-status.sv-done"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def arrive(browser, hub_url: str, name: str, viewport=(1400, 900)):
    """log in as `name` and follow the class link; returns the page without waiting for it."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    # the teacher's link: /hub/user-redirect/ becomes /user/<whoever logged in>/
    page.goto(f"{hub_url}/hub/login?next=/hub/user-redirect{DASHBOARD}")
    page.fill("#username_input", name)
    page.click("#login_submit", no_wait_after=True)
    page.arrived = time.monotonic()
    return page


def wait_done(pages: dict, timeout_s: float) -> dict[str, float]:
    """seconds from each learner's login to a trained result on their page."""
    done: dict[str, float] = {}
    end = time.monotonic() + timeout_s
    while len(done) < len(pages) and time.monotonic() < end:
        for name, page in pages.items():
            try:
                if name not in done and page.locator(DONE).count():
                    done[name] = time.monotonic() - page.arrived
            except Exception:  # a page between two navigations (spawn page -> dashboard)
                continue
        time.sleep(0.5)
    return done


def problems(page, name: str) -> list[str]:
    """what is wrong with a learner's page: not their dashboard, or an error shown on it."""
    out = []
    if not page.url.split("?")[0].endswith(f"/user/{name}{DASHBOARD}"):
        out.append(f"at {page.url}")
    body = page.inner_text("body")
    out += [f"{bad!r} on the page" for bad in ("Traceback", "Error:") if bad in body]
    if page.locator(".sv-status.sv-error").count():
        out.append("the dashboard reports an error")
    return out
