"""a learner whose browser is on their own machine: the server's side of one page, no drawing.

what a page asks of the server, in order: the dashboard's html (voila hands the visit to a
pre-heated kernel), every static file a fresh browser fetches for it (the list a real page
fetched, see `static_paths`), then the kernel's websocket: kernel info, the widget manager's
control comm and its one `request_states`, the status view's "shown" (`_view_count`, which
makes the kernel resend the live parts), then updates until the status widget reads done.
a classroom's browsers run on thirty machines; on one test machine thirty chromiums would
measure chromium. this measures what the server must do for each of them.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
import uuid

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"


def static_paths(urls: list[str], base: str) -> list[str]:
    """the paths (below `base`) of the static files among a real page's requests."""
    out = []
    for url in urls:
        if not url.startswith(base):
            continue
        path = url[len(base):]
        if path.startswith(("voila/static/", "voila/labextensions/", "voila/templates/")):
            out.append(path)
    return list(dict.fromkeys(out))


def v1_message(frame: bytes) -> dict:
    """header and content of a frame in the kernel websocket's v1 protocol, which a page of
    ours speaks (the server refuses a socket that does not: issue 14, D1)."""
    from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

    _channel, parts = deserialize_msg_from_ws_v1(frame)
    return {"header": json.loads(parts[0]), "content": json.loads(parts[3])}


class PageLearner(threading.Thread):
    """open `page` (a path below `base`, e.g. voila/render/dashboard.ipynb) as a browser would,
    until the dashboard's status says done: `seconds`, or `error`."""

    def __init__(self, base: str, page: str, statics: list[str], timeout_s: float = 300):
        super().__init__(daemon=True)
        self.base, self.page, self.statics, self.timeout_s = base, page, statics, timeout_s
        self.seconds: float | None = None
        self.error: str | None = None
        self.start_at = time.monotonic()
        self.ws = None
        self.status_id: str | None = None  # the status widget's model (comm) id, once known

    def run(self) -> None:
        try:
            self._visit(self.start_at + self.timeout_s)
            self.seconds = time.monotonic() - self.start_at
        except Exception as err:  # reported by the caller
            self.error = f"{type(err).__name__}: {err}"

    def _visit(self, deadline: float) -> None:
        import requests

        http = requests.Session()
        r = http.get(self.base + self.page, timeout=deadline - time.monotonic())
        r.raise_for_status()
        found = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', r.text)
        if found is None:
            raise RuntimeError(f"no kernel in the page ({len(r.text)} chars): {r.text[-300:]!r}")
        kernel = found.group(1)
        for path in self.statics:  # a fresh browser: nothing cached
            http.get(self.base + path, timeout=deadline - time.monotonic()).raise_for_status()
        self._watch(http, kernel, deadline)

    def _watch(self, http, kernel: str, deadline: float) -> None:
        import websocket
        from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

        session = uuid.uuid4().hex
        parts = urllib.parse.urlsplit(self.base)
        ws_url = (f"ws://{parts.netloc}{parts.path}api/kernels/{kernel}/channels"
                  f"?session_id={session}")
        cookies = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        self.ws = ws = websocket.create_connection(
            ws_url, cookie=cookies, origin=f"http://{parts.netloc}", timeout=30,
            subprotocols=[V1_PROTOCOL])

        def send(msg_type: str, content: dict, metadata: dict | None = None) -> None:
            header = dict(msg_id=uuid.uuid4().hex, username="learner", session=session,
                          msg_type=msg_type, version="5.3", date="")
            msg = dict(header=header, parent_header={}, metadata=metadata or {},
                       content=content)
            ws.send_binary(serialize_msg_to_ws_v1(msg, "shell", pack=_pack))

        control = uuid.uuid4().hex
        send("kernel_info_request", {})
        # what @jupyter-widgets/base's manager does on connect: one control comm, one request
        send("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control",
                           "data": {}}, metadata={"version": "1.0.0"})
        send("comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
        status_id, seen = None, {}  # seen: comm id -> the classes its last update carried
        for msg in v1_messages(ws, deadline):
            if msg["header"]["msg_type"] != "comm_msg":
                continue
            content = msg.get("content", {})
            data = content.get("data", {})
            if data.get("method") == "update_states":
                status_id, state = _status_of(data.get("states", {}))
                self.status_id = status_id
                if status_id is None:
                    raise RuntimeError("the page holds no status widget")
                if state.get("_view_count") is not None:
                    # what the page's view does once it shows the status (the kernel then
                    # resends its live parts: dashboard.App._on_shown), so this learner costs
                    # the server what a page costs, and an update that raced the snapshot is
                    # sent again
                    send("comm_msg", {"comm_id": status_id, "data": {
                        "method": "update", "buffer_paths": [],
                        "state": {"_view_count": state["_view_count"] + 1}}})
                if _finished(seen.get(status_id, state.get("_dom_classes") or [])):
                    return
            elif data.get("method") == "update":
                classes = data.get("state", {}).get("_dom_classes")
                if classes is None:
                    continue
                # kept until the snapshot names the status widget: it may come first
                seen[content.get("comm_id")] = classes
                if content.get("comm_id") == status_id and _finished(classes):
                    return
        raise TimeoutError("no trained result before the deadline")

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()


def v1_messages(ws, deadline: float):
    """the socket's messages until `deadline` (a page speaks v1: every frame is binary)."""
    import websocket

    while (left := deadline - time.monotonic()) > 0:
        ws.settimeout(left)  # a quiet socket until the deadline ends the wait
        try:
            frame = ws.recv()
        except websocket.WebSocketTimeoutException:
            return
        if isinstance(frame, bytes):
            yield v1_message(frame)


def _status_of(states: dict) -> tuple[str | None, dict]:
    """(model id, state) of the dashboard's status widget in an update_states reply."""
    for model, entry in states.items():
        state = entry.get("state", {})
        if "sv-status" in (state.get("_dom_classes") or []):
            return model, state
    return None, {}


def _pack(part: dict) -> bytes:
    return json.dumps(part).encode()


def _finished(classes) -> bool:
    if "sv-error" in classes:
        raise RuntimeError("the dashboard reports an error")
    return "sv-done" in classes
