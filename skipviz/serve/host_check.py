"""answer only requests addressed to this server by a local name (D5, dns rebinding).

a page on evil.example whose name re-resolves to 127.0.0.1 reaches a localhost server with
`Host: evil.example:PORT`; the browser then treats our pages and sockets as that site's. voila
answers any Host, so the launcher's tornado application refuses every request (pages, static
files, websockets) whose Host is not one of the allowed names with the served port.
"""

from __future__ import annotations

from typing import Callable, Iterable

import tornado.web
from tornado.httputil import HTTPServerRequest, split_host_and_port

__all__ = ["LOCAL_HOSTS", "HostCheckedApplication", "host_allowed"]

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def host_allowed(host_header: str, names: Iterable[str], port: int) -> bool:
    """is `Host: host_header` one of `names` with `port`? (ipv6 in brackets: `[::1]:8866`)"""
    try:
        name, given_port = split_host_and_port(host_header.strip().lower())
    except ValueError:
        return False
    name = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    return given_port == port and name in {n.lower() for n in names}


class ForbiddenHost(tornado.web.RequestHandler):
    def prepare(self) -> None:
        self.set_status(403)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("403: this server answers only to localhost\n")


class HostCheckedApplication(tornado.web.Application):
    """a tornado application that routes a request only when its Host header is allowed.

    `port` is a callable because the port is known only once the server listens.
    """

    def __init__(self, *args, allowed_hosts: Iterable[str] = LOCAL_HOSTS,
                 port: Callable[[], int], **settings):
        self.allowed_hosts = tuple(allowed_hosts)
        self.served_port = port
        super().__init__(*args, **settings)

    def find_handler(self, request: HTTPServerRequest, **kwargs):
        if not host_allowed(request.host or "", self.allowed_hosts, self.served_port()):
            return self.get_handler_delegate(request, ForbiddenHost)
        return super().find_handler(request, **kwargs)
