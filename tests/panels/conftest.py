"""Fixtures for the panels tests: a real local HTTP server replaying recorded PanelApp JSON."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from gmsvar.panels import PanelAppClient

DATA = Path(__file__).resolve().parents[1] / "data"
PANELAPP = DATA / "panelapp"
RECORDED_BASE = "https://panelapp.genomicsengland.co.uk/api/v1/"


@dataclass
class Reply:
    """A scripted answer: status, headers and body (bytes)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class PanelAppStub:
    """Serves recorded PanelApp API v1 responses on 127.0.0.1 (ephemeral port).

    Routes (query parameters other than ``page``/``version`` are ignored):

    * ``panels/`` and ``panels/?page=2`` - two list pages (``next`` links rewritten);
    * ``panels/signedoff/`` - one signed-off list page;
    * ``panels/635/``, ``panels/1141/`` (v2.8; ``?version=2.7`` gives the 2026 capture);
    * anything else - 404 ``{"detail": "Not found."}``, as PanelApp answers.

    ``script(path, [...])`` queues replies that are served before the static route
    (``None`` in the queue means "the static route"); ``delay[path]`` makes the
    handler sleep first. ``hits[path]`` counts requests.
    """

    def __init__(self) -> None:
        self.scripts: dict[str, deque[Reply | None]] = defaultdict(deque)
        self.delay: dict[str, float] = {}
        self.hits: dict[str, int] = defaultdict(int)
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stub._handle(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False  # a sleeping handler must not block teardown
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/api/v1/"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={
            "poll_interval": 0.02}, daemon=True)
        self.thread.start()
        self.running = True

    def _body(self, name: str) -> bytes:
        text = (PANELAPP / name).read_text()
        return text.replace(RECORDED_BASE, self.base_url).encode()

    def _static(self, path: str, query: dict[str, str]) -> Reply:
        routes = {
            "/api/v1/panels/": "list_page_2.json" if query.get("page") == "2"
            else "list_page_1.json",
            "/api/v1/panels/signedoff/": "signedoff_page_1.json",
            "/api/v1/panels/635/": "panel_635.json",
            "/api/v1/panels/1141/": "panel_1141_v2.7.json" if query.get("version") == "2.7"
            else "panel_1141_v2.8.json",
        }
        name = routes.get(path)
        if name is None or query.get("version") not in (None, "2.7", "2.8"):
            return Reply(404, b'{"detail": "Not found."}')
        return Reply(200, self._body(name))

    def _handle(self, h: http.server.BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path, query = parts.path, dict(parse_qsl(parts.query))
        self.hits[path] += 1
        if path in self.delay:
            time.sleep(self.delay[path])
        queue = self.scripts.get(path)
        reply = queue.popleft() if queue else None
        if reply is None:
            reply = self._static(path, query)
        try:
            h.send_response(reply.status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(reply.body)))
            for k, v in reply.headers.items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def script(self, path: str, replies: list[Reply | None]) -> None:
        self.scripts[path].extend(replies)

    def stop(self) -> None:
        if self.running:
            self.server.shutdown()
            self.server.server_close()
            self.running = False


@pytest.fixture
def panelapp_stub() -> Iterator[PanelAppStub]:
    stub = PanelAppStub()
    try:
        yield stub
    finally:
        stub.stop()


@pytest.fixture
def client(panelapp_stub: PanelAppStub, tmp_path: Path) -> Iterator[PanelAppClient]:
    c = PanelAppClient(
        panelapp_stub.base_url, cache_dir=tmp_path / "cache", ttl=3600, timeout=0.5,
        retries=2, backoff=0.01, max_backoff=0.05,
    )
    try:
        yield c
    finally:
        c.close()


def load_json(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((PANELAPP / name).read_text())
    return data
