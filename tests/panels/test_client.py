"""PanelAppClient against a real local HTTP server replaying recorded PanelApp JSON."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gmsvar.errors import GmsvarWarning, PanelAppUnavailable, PanelError, PanelNotFound
from gmsvar.panels import Confidence, PanelAppClient, load_panel

from .conftest import PanelAppStub, Reply

P635 = "/api/v1/panels/635/"


def test_list_panels__follows_next_through_all_pages(client: PanelAppClient,
                                                     panelapp_stub: PanelAppStub) -> None:
    panels = client.list_panels()
    assert [p.id for p in panels] == [503, 635, 76, 772, 1141]
    assert panelapp_stub.hits["/api/v1/panels/"] == 2
    lynch = panels[0]
    assert lynch.version == "1.13" and lynch.test_codes == ("R210",)
    assert "gms-signed-off" in lynch.types and lynch.n_genes == 5


def test_signed_off_panels__lists_signed_off_versions(client: PanelAppClient) -> None:
    panels = client.signed_off_panels()
    assert {p.id for p in panels} == {503, 635, 76, 772, 1141}
    assert all("gms-signed-off" in p.types for p in panels)


def test_get_panel__parses_detail_with_provenance(client: PanelAppClient) -> None:
    panel = client.get_panel(635)
    assert panel.id == 635 and panel.version == "2.18"
    assert "BRCA1" in panel.green_genes
    assert panel.provenance["source"] == "api"
    assert panel.provenance["url"].endswith("/api/v1/panels/635/")
    assert panel.provenance["from_cache"] is False


def test_get_panel__versioned_request(client: PanelAppClient) -> None:
    assert client.get_panel(1141).version == "2.8"
    old = client.get_panel(1141, version="2.7")
    assert old.version == "2.7"
    assert "version=2.7" in old.provenance["url"]
    amp = {g.symbol: g for g in old.gene_entities}["AMPD1"]
    assert amp.confidence is Confidence.GREEN


def test_get_panel__404_is_panel_not_found_without_retry(client: PanelAppClient,
                                                         panelapp_stub: PanelAppStub) -> None:
    with pytest.raises(PanelNotFound, match="HTTP 404"):
        client.get_panel(999999)
    assert panelapp_stub.hits["/api/v1/panels/999999/"] == 1
    with pytest.raises(PanelNotFound):
        client.get_panel(1141, version="9.9")


def test_get_panel__429_then_success_honours_retry_after(client: PanelAppClient,
                                                         panelapp_stub: PanelAppStub) -> None:
    # Retry-After: 100 is capped at max_backoff (0.05 s) so the test stays fast.
    panelapp_stub.script(P635, [Reply(429, b"{}", {"Retry-After": "100"}), None])
    t0 = time.monotonic()
    panel = client.get_panel(635)
    assert time.monotonic() - t0 < 2
    assert panel.id == 635
    assert panelapp_stub.hits[P635] == 2


def test_get_panel__500_then_success(client: PanelAppClient, panelapp_stub: PanelAppStub) -> None:
    panelapp_stub.script(P635, [Reply(503, b"busy"), None])
    assert client.get_panel(635).id == 635
    assert panelapp_stub.hits[P635] == 2


def test_get_panel__persistent_500_is_unavailable_naming_snapshots(
    client: PanelAppClient, panelapp_stub: PanelAppStub
) -> None:
    panelapp_stub.script(P635, [Reply(500, b"oops")] * 5)
    with pytest.raises(PanelAppUnavailable, match=r"HTTP 500.*load_panel"):
        client.get_panel(635)
    assert panelapp_stub.hits[P635] == client.retries + 1


def test_get_panel__timeout_is_unavailable(panelapp_stub: PanelAppStub, tmp_path: Path) -> None:
    panelapp_stub.delay[P635] = 1.0
    c = PanelAppClient(panelapp_stub.base_url, cache_dir=tmp_path, timeout=0.1, retries=1,
                       backoff=0.01)
    t0 = time.monotonic()
    with pytest.raises(PanelAppUnavailable, match="Timeout"):
        c.get_panel(635)
    assert time.monotonic() - t0 < 2
    c.close()


def test_get_panel__malformed_json_is_panel_error_and_not_cached(
    client: PanelAppClient, panelapp_stub: PanelAppStub
) -> None:
    panelapp_stub.script(P635, [Reply(200, b'{"id": 635, "genes": [')])
    with pytest.raises(PanelError, match="malformed JSON"):
        client.get_panel(635)
    # The broken body was dropped from the cache: the next call asks the server again.
    assert client.get_panel(635).version == "2.18"
    assert panelapp_stub.hits[P635] == 2


def test_get_panel__non_panel_json_is_panel_error(client: PanelAppClient,
                                                  panelapp_stub: PanelAppStub) -> None:
    panelapp_stub.script(P635, [Reply(200, b'{"detail": "odd"}')])
    with pytest.raises(PanelError, match="lacks"):
        client.get_panel(635)


def test_get_panel__cache_hit_with_server_stopped(client: PanelAppClient,
                                                  panelapp_stub: PanelAppStub) -> None:
    first = client.get_panel(635)
    panelapp_stub.stop()
    again = client.get_panel(635)
    assert again == first
    assert again.provenance["from_cache"] is True
    assert again.provenance["stale"] is False
    assert panelapp_stub.hits[P635] == 1


def test_get_panel__expired_cache_used_with_warning_when_unreachable(
    panelapp_stub: PanelAppStub, tmp_path: Path
) -> None:
    c = PanelAppClient(panelapp_stub.base_url, cache_dir=tmp_path, ttl=0.05, retries=0)
    c.get_panel(635)
    time.sleep(0.1)
    panelapp_stub.stop()
    with pytest.warns(GmsvarWarning, match="may be out of date"):
        panel = c.get_panel(635)
    assert panel.provenance["stale"] is True
    c.close()


def test_get_panel__unreachable_without_cache_names_fallback(tmp_path: Path) -> None:
    stub = PanelAppStub()
    base = stub.base_url
    stub.stop()  # nothing listens on that port now
    c = PanelAppClient(base, cache_dir=tmp_path, retries=1, backoff=0.01)
    with pytest.raises(PanelAppUnavailable, match=r"ConnectionError.*load_panel"):
        c.get_panel(635)
    c.close()


def test_offline__serves_cache_then_snapshots_never_network(
    client: PanelAppClient, panelapp_stub: PanelAppStub, tmp_path: Path
) -> None:
    client.get_panel(635)
    client.list_panels()
    client.close()
    hits = dict(panelapp_stub.hits)
    off = PanelAppClient(panelapp_stub.base_url, cache_dir=tmp_path / "cache", offline=True)
    assert off.get_panel(635).provenance["from_cache"] is True
    assert [p.id for p in off.list_panels()] == [503, 635, 76, 772, 1141]
    snap = off.get_panel(503)  # never fetched: bundled snapshot
    assert snap.provenance["source"] == "snapshot" and snap.provenance["offline"] is True
    with pytest.raises(PanelNotFound, match="no offline snapshot"):
        off.get_panel(999999)
    with pytest.raises(PanelAppUnavailable, match="offline mode"):
        off.signed_off_panels()
    assert dict(panelapp_stub.hits) == hits
    off.close()


def test_cache__corrupt_file_is_moved_aside_and_rebuilt(client: PanelAppClient,
                                                        tmp_path: Path) -> None:
    path = client.cache_path
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database" * 100)
    with pytest.warns(GmsvarWarning, match="unreadable"):
        panel = client.get_panel(635)
    assert panel.id == 635
    moved = list(path.parent.glob(f"{path.name}.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_bytes().startswith(b"this is not")
    assert path.read_bytes().startswith(b"SQLite format 3")


def test_client__base_url_without_slash_and_repr(panelapp_stub: PanelAppStub,
                                                 tmp_path: Path) -> None:
    c = PanelAppClient(panelapp_stub.base_url.rstrip("/"), cache_dir=tmp_path)
    assert c.get_panel(635).id == 635
    assert "online" in repr(c)
    c.close()


def test_load_panel__with_client_fetches_live(client: PanelAppClient) -> None:
    panel = load_panel(1141, client=client)
    assert panel.version == "2.8" and panel.provenance["source"] == "api"
    assert panel.provenance["requested"] == "1141"


def test_import__no_network_cache_or_config(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path)}
    code = ("import gmsvar.panels as gp; c = gp.PanelAppClient(); "
            "print(c.cache_path)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    assert str(tmp_path) in out.stdout
    assert not any(tmp_path.rglob("*.sqlite"))
