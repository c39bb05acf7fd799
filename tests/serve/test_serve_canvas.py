"""issue 14, D4: a page sends its ipympl canvases `resize` 16000 x 16000 (and a huge pixel
ratio); every served kernel now caps the size, however the figure was made.

the attack goes over the page's own kernel socket (v1 protocol, as the page's widget manager
would send it from the browser console). one stand-in lesson makes its figure with plain
plt.subplots (no live_figure: the kernels' profile must guard it), and the real lesson 01.
"""

import json
import time
import uuid

import pytest
import websocket
from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from support.serve_kit import ROOT, SkipvizServer, StaticProbe, kernel_id_of, request

from skipviz.serve.upstream_fixes import V1_PROTOCOL
from skipviz.viz import canvas_guard

HUGE = 16000
# the guard caps a buffer at MAX_PIXELS rgba pixels (32 MB); a few of them may be alive
RSS_BUDGET_MB = 400


def plain_figure_lesson(folder):
    source = ("# a figure made without live_figure\n%matplotlib widget\n"
              "import matplotlib.pyplot as plt\n"
              "with plt.ioff():\n    fig, ax = plt.subplots(figsize=(4, 3))\n"
              "ax.plot([0, 1], [1, 0])\nfig.canvas")
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "id": "c0", "metadata": {},
                     "outputs": [], "source": source}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "01_plain_figure.ipynb").write_text(json.dumps(nb))
    return folder


def send(ws, msg_type, content):
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "",
              "session": "x", "date": "", "version": "5.3"}
    parts = [json.dumps(p).encode() for p in (header, {}, {}, content)]
    ws.send_binary(serialize_msg_to_ws_v1(parts, "shell"))


def receive(ws, until, timeout=60.0):
    """(msg_type, content) frames until `until(msg_type, content)` is true; returns that one."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        frame = ws.recv()
        if not isinstance(frame, bytes):
            continue
        _, parts = deserialize_msg_from_ws_v1(frame)
        header, content = json.loads(parts[0]), json.loads(parts[3])
        if until(header["msg_type"], content):
            return content
    raise AssertionError("no such message in time")


def canvases(ws) -> list[str]:
    send(ws, "comm_info_request", {})
    comms = receive(ws, lambda t, c: t == "comm_info_reply")["comms"]
    found = []
    for comm_id in comms:
        send(ws, "comm_msg", {"comm_id": comm_id, "data": {"method": "request_state"}})
        state = receive(ws, lambda t, c, i=comm_id: t == "comm_msg" and c["comm_id"] == i
                        and c["data"].get("method") == "update")
        if state["data"].get("state", {}).get("_model_name") == "MPLCanvasModel":
            found.append(comm_id)
    return found


def attack(server, page: str) -> dict:
    """render `page`, send every canvas the huge resize and pixel ratio, make it draw."""
    kid = kernel_id_of(request(server.port, f"voila/render/{page}", timeout=300)[2])
    kernel = server.kernel_process(kid)
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/api/kernels/{kid}/channels?session_id=x",
        timeout=120, subprotocols=[V1_PROTOCOL])
    found = canvases(ws)
    rss_before = kernel.memory_info().rss / 2**20
    sizes = []
    with StaticProbe(server.port) as probe:
        for comm_id in found:
            for event in ({"type": "set_device_pixel_ratio", "device_pixel_ratio": 50},
                          {"type": "resize", "width": HUGE, "height": HUGE}):
                send(ws, "comm_msg", {"comm_id": comm_id,
                                      "data": {"method": "custom", "content": event}})
            answer = receive(ws, lambda t, c, i=comm_id: t == "comm_msg" and c["comm_id"] == i
                             and '"resize"' in c["data"].get("content", {}).get("data", ""))
            sizes.append(json.loads(answer["data"]["content"]["data"])["size"])
            # the redraw at that size is where the gigabytes were allocated
            send(ws, "comm_msg", {"comm_id": comm_id,
                                  "data": {"method": "custom", "content": {"type": "draw"}}})
        time.sleep(3.0)
    rss_after = kernel.memory_info().rss / 2**20
    ws.close()
    probe.report(f"D4 {page}")
    print(f"{page}: {len(found)} canvases, kernel rss {rss_before:.0f} -> {rss_after:.0f} MB, "
          f"sizes now {sizes}")
    return {"canvases": found, "sizes": sizes, "grew_mb": rss_after - rss_before,
            "worst_static": probe.worst}


@pytest.mark.parametrize("which", ["stand-in", "lesson 01"])
def test_d4_a_huge_canvas_size_is_capped_in_the_kernel(tmp_path, which):
    if which == "stand-in":
        folder, page = plain_figure_lesson(tmp_path / "nb"), "01_plain_figure.ipynb"
    else:
        folder, page = ROOT / "notebooks", "01_residual_block.ipynb"
    with SkipvizServer(notebooks=folder, extra=["--pool=0"]) as server:
        got = attack(server, page)
    assert got["canvases"], "the page shows no ipympl canvas to attack"
    for width, height in got["sizes"]:
        # css pixels, as the page is told; times the (capped) ratio it is the buffer's size
        ratio = canvas_guard.MAX_PIXEL_RATIO
        assert width * height * ratio**2 <= canvas_guard.MAX_PIXELS * 1.01, (width, height)
    assert got["grew_mb"] < RSS_BUDGET_MB, got
    assert got["worst_static"] < 10.0, got
