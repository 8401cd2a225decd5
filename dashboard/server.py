"""Serving the dashboard: a Host allow-list, security headers, and a production WSGI server.

``coe dashboard`` runs the app under waitress (a production WSGI server: many threads, no
debugger, no reloader); ``coe demo`` keeps Dash's simple server. Both get the same two guards:

- the Host header must name this server (``localhost``, the loopback addresses, the address
  it was bound to, or a name in ``$COE_ALLOWED_HOSTS``, comma-separated): a page of another
  site that rebinds its DNS name to 127.0.0.1 then cannot read the dashboard (DNS rebinding);
- every response carries headers that keep the pages from being framed, sniffed or sending
  the URL elsewhere, and a content security policy that allows nothing but this server.
"""

from __future__ import annotations

import logging
import os

from flask import Flask, Response, abort, request

log = logging.getLogger(__name__)

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
# Dash renders with inline scripts and Plotly compiles some code at run time, hence the
# 'unsafe-*' for scripts; everything is served by this server, nothing from elsewhere.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": CSP,
}


def allowed_hosts(host: str) -> frozenset[str]:
    """The host names requests may carry for a server bound to ``host``."""
    names = set(LOOPBACK)
    if host not in ("0.0.0.0", "::", ""):
        names.add(host.lower())
    extra = os.environ.get("COE_ALLOWED_HOSTS", "")
    names.update(h.strip().lower() for h in extra.split(",") if h.strip())
    return frozenset(names)


def _host_name(header: str) -> str:
    """The name in a Host header, without its port: ``[::1]:8050`` -> ``[::1]``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def harden(server: Flask, hosts: frozenset[str]) -> None:
    """Refuse requests whose Host is not in ``hosts`` and add the security headers."""

    @server.before_request
    def _check_host():
        if _host_name(request.headers.get("Host", "")) not in hosts:
            log.warning("refused a request for host %r", request.headers.get("Host"))
            abort(
                Response(
                    "This dashboard answers only to its own address (see COE_ALLOWED_HOSTS).\n",
                    status=400,
                    mimetype="text/plain",
                )
            )

    @server.after_request
    def _headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def serve_production(server: Flask, host: str, port: int, threads: int = 8) -> None:
    """Serve ``server`` with waitress (blocking)."""
    from waitress import serve

    serve(server, host=host, port=port, threads=threads, ident="coegraph")
