"""simulated learners for the class hub (tests and bench/hub_crowd.py): a chromium page that logs
in and opens the dashboard as a student following the teacher's link would, or, for a crowd,
the same requests and widget messages without a browser (SocketLearner)."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid

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
    # the dashboard's watchdog polls its kernel every 5 s: each answer's status, to check it
    # is let through (the hub refused it with 403 until the poll sent its xsrf header)
    page.kernel_polls = []
    page.on("response", lambda r: page.kernel_polls.append(r.status)
            if "/api/kernels/" in r.url and r.request.method == "GET" else None)
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


class SocketLearner(threading.Thread):
    """a learner without a browser, for crowds larger than chromium's memory allows.

    it does over http what the page does: logs in, starts its server, opens the dashboard page
    (voila runs the notebook in a new kernel), then connects to that kernel's websocket and
    asks for the widgets' state as the page's widget manager does, until the status widget
    says done. the socket stays open (an open tab) until `close()`.
    """

    def __init__(self, hub_url: str, name: str, timeout_s: float = 900):
        super().__init__(name=f"learner-{name}", daemon=True)
        self.hub, self.learner, self.timeout_s = hub_url, name, timeout_s
        self.seconds: float | None = None
        self.error: str | None = None
        self.page = ""
        self.ws = None

    def run(self) -> None:
        start = time.monotonic()
        try:
            self._learn(start + self.timeout_s)
            self.seconds = time.monotonic() - start
        except Exception as err:  # reported by the caller, with the learner's name
            self.error = f"{type(err).__name__}: {err}"

    def _learn(self, deadline: float) -> None:
        import requests

        http = requests.Session()
        login = http.get(f"{self.hub}/hub/login", timeout=120)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', login.text).group(1)
        r = http.post(f"{self.hub}/hub/login", allow_redirects=False, timeout=120,
                      data={"username": self.learner, "password": "", "_xsrf": xsrf})
        if r.status_code != 302:
            raise RuntimeError(f"login answered {r.status_code}")
        http.get(f"{self.hub}/hub/spawn/{self.learner}", allow_redirects=False, timeout=120)
        while http.get(f"{self.hub}/user/{self.learner}/api", allow_redirects=False,
                       timeout=120).status_code != 200:
            if time.monotonic() > deadline:
                raise TimeoutError("the server never started")
            time.sleep(1)
        # voila answers once the notebook has run in the new kernel
        r = http.get(f"{self.hub}/user/{self.learner}{DASHBOARD}",
                     timeout=deadline - time.monotonic())
        r.raise_for_status()
        if not r.url.split("?")[0].endswith(f"/user/{self.learner}{DASHBOARD}"):
            raise RuntimeError(f"ended at {r.url}")
        self.page = r.text
        kernel = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', r.text).group(1)
        self._watch(http, kernel, deadline)

    def _watch(self, http, kernel: str, deadline: float) -> None:
        import websocket

        session = uuid.uuid4().hex
        ws_url = (self.hub.replace("http", "ws", 1) + f"/user/{self.learner}/api/kernels/"
                  f"{kernel}/channels?session_id={session}")
        cookies = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        self.ws = ws = websocket.create_connection(ws_url, cookie=cookies, origin=self.hub,
                                                   timeout=30)

        def send(msg_type: str, content: dict) -> None:
            header = dict(msg_id=uuid.uuid4().hex, username=self.learner, session=session,
                          msg_type=msg_type, version="5.3")
            ws.send(json.dumps(dict(header=header, parent_header={}, metadata={},
                                    content=content, channel="shell", buffers=[])))

        send("comm_info_request", {"target_name": "jupyter.widget"})
        ws.settimeout(5)
        while time.monotonic() < deadline:
            try:
                frame = ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            if not isinstance(frame, str):
                continue  # binary buffers (figure images): the page would draw them
            msg = json.loads(frame)
            kind, content = msg["header"]["msg_type"], msg.get("content", {})
            if kind == "comm_info_reply":
                for comm in content.get("comms", {}):  # what the widget manager asks on connect
                    send("comm_msg", {"comm_id": comm, "data": {"method": "request_state"}})
            elif kind == "comm_msg":
                classes = content.get("data", {}).get("state", {}).get("_dom_classes") or []
                if "sv-status" in classes and "sv-error" in classes:
                    raise RuntimeError("the dashboard reports an error")
                if "sv-status" in classes and "sv-done" in classes:
                    return
        raise TimeoutError("no trained result before the deadline")

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
