"""shut down a kernel that was handed to a page which never connected to it (D6).

voila starts (or takes from the pool) a kernel for every GET of a notebook; the page's script
connects to it and, when the tab closes, asks the server to shut it down. a tab closed before
its script ran, a crawler or `curl` never connects and never asks: those kernels (~350 MB
each) waited for the idle culler, 5 minutes and more. here a kernel that has no connection and
never had one is shut once it has been idle for `orphan_timeout` seconds (counted from the
later of its last activity and the moment the culler first saw it outside the pool). kernels
that did connect keep the ordinary idle culling (`cull_idle_timeout`), so a page whose network
drops for a moment keeps its kernel.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from jupyter_core.utils import ensure_async
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float

__all__ = ["OrphanReapingKernelManager"]


class OrphanReapingKernelManager(AsyncMappingKernelManager):
    """the idle culler, plus: never-connected kernels go after `orphan_timeout` seconds."""

    orphan_timeout = Float(
        45.0, config=True,
        help="seconds a kernel no page ever connected to may stay idle before it is shut down")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._ever_connected: set[str] = set()
        self._first_seen: dict[str, float] = {}

    def notify_connect(self, kernel_id: str) -> None:
        self._ever_connected.add(kernel_id)
        super().notify_connect(kernel_id)

    def orphans(self) -> list[str]:
        """kernels seen outside the pool that never had a connection (for tests and logs)."""
        return [k for k in self._first_seen if k in self and k not in self._ever_connected]

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        # voila's pool manager returns before calling this for pre-heated kernels in its pool
        now = time.monotonic()
        first_seen = self._first_seen.setdefault(kernel_id, now)
        kernel = self._kernels.get(kernel_id)
        if kernel is not None and kernel_id not in self._ever_connected:
            busy = getattr(kernel, "execution_state", None) == "busy"
            idle_since = max(first_seen, now - _seconds_since(kernel))
            if not busy and self._kernel_connections.get(kernel_id, 0) == 0 \
                    and now - idle_since > self.orphan_timeout:
                self.log.warning("Shutting down kernel %s: no page connected to it in %.0f s.",
                                 kernel_id, now - idle_since)
                await ensure_async(self.shutdown_kernel(kernel_id))
                return
        await super().cull_kernel_if_idle(kernel_id)

    def remove_kernel(self, kernel_id: str):
        self._ever_connected.discard(kernel_id)
        self._first_seen.pop(kernel_id, None)
        return super().remove_kernel(kernel_id)


def _seconds_since(kernel) -> float:
    """seconds since the kernel's last iopub message (0 before activity is watched)."""
    last = getattr(kernel, "last_activity", None)
    return (datetime.now(timezone.utc) - last).total_seconds() if last is not None else 0.0
