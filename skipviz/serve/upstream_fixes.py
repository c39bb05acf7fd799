"""two voila 0.5.13 bugs a viewer can trigger, fixed here until voila fixes them upstream.

- D1: a kernel websocket opened without the v1 subprotocol gets legacy-format binary frames;
  voila's `read_header_from_binary_message` reads them as v1, takes the first 8 bytes as a
  count (~8.6e17) and loops on it: the whole server freezes. a page of ours always speaks v1,
  so a socket that does not offer it is refused, and the header reader checks its count.
- D2: `RequestInfoSocketHandler.on_close` deletes the last waiter when its own is gone, which
  can be the pre-heated kernel's: the next visitor's page then waits forever. it now deletes
  only its own entry, and a socket for an unknown kernel, or a second one, is refused.

the texts sent upstream are in docs/upstream/.
"""

from __future__ import annotations

import json
from typing import Any

from tornado import web
from voila.request_info_handler import RequestInfoSocketHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

__all__ = ["V1_PROTOCOL", "KernelWebsocketHandler", "RequestInfoHandler", "read_v1_header"]

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"


def read_v1_header(message: bytes) -> dict | None:
    """the header of a v1 binary frame, or None when `message` is not one.

    v1: 8-byte little-endian count n, then n 8-byte offsets, then the parts (channel, header,
    ...). a count that the frame's own length cannot hold is not v1: answer None at once.
    """
    if len(message) < 8:
        return None
    count = int.from_bytes(message[:8], "little")
    if count < 3 or 8 * (count + 1) > len(message):
        return None
    offsets = [int.from_bytes(message[8 * (i + 1): 8 * (i + 2)], "little") for i in range(count)]
    start, end = offsets[1], offsets[2]
    if not 0 <= start <= end <= len(message):
        return None
    try:
        header = json.loads(message[start:end].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return header if isinstance(header, dict) else None


class KernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """voila's kernel socket, for v1-protocol clients only, with a bounded header reader."""

    async def get(self, *args: Any, **kwargs: Any) -> None:
        offered = self.request.headers.get("Sec-WebSocket-Protocol", "")
        if V1_PROTOCOL not in [p.strip() for p in offered.split(",")]:
            # the legacy protocol is what froze the server (D1); voila's page never uses it
            raise web.HTTPError(400, f"the kernel socket speaks only {V1_PROTOCOL}")
        await super().get(*args, **kwargs)

    def write_message(self, message: bytes | dict[str, Any], binary: bool = False):
        if isinstance(message, bytes):
            header = read_v1_header(message)
        elif isinstance(message, dict):
            header = message.get("header")
        else:
            header = None
        if isinstance(header, dict) and header.get("msg_type") == "execute_input":
            return None  # voila hides the code it runs, as upstream does
        # skip voila's own write_message (the looping reader), keep jupyter_server's
        return super(VoilaKernelWebsocketHandler, self).write_message(message, binary)


class RequestInfoHandler(RequestInfoSocketHandler):
    """voila's request-info socket with on_close removing only its own waiter."""

    def open(self, kernel_id: str) -> None:
        waiters = RequestInfoSocketHandler._waiters
        kernels = self.settings.get("kernel_manager")
        if kernels is not None and kernel_id not in kernels:
            self.close(code=1008, reason="no such kernel")
            return
        if kernel_id in waiters and waiters[kernel_id] is not self:
            # the kernel's own socket is already waiting: a second one could only displace it
            self.close(code=1008, reason="already waiting")
            return
        self._kernel_id = kernel_id
        super().open(kernel_id)

    def on_close(self) -> None:
        kernel_id = getattr(self, "_kernel_id", None)
        if kernel_id is not None and RequestInfoSocketHandler._waiters.get(kernel_id) is self:
            del RequestInfoSocketHandler._waiters[kernel_id]
