"""Live PanelApp API v1 client with an on-disk HTTP cache, retries and an offline mode.

Nothing happens at import or construction time: the cache file is opened on the
first request. Responses are cached in a ``requests-cache`` SQLite file (by default
in the user cache directory) for ``ttl``; a corrupt cache file is moved aside and
rebuilt with a :class:`~gmsvar.errors.GmsvarWarning`. Requests time out, and 429 /
5xx answers and connection failures are retried with exponential backoff (honouring
``Retry-After``, capped). When PanelApp stays unreachable, an expired cached copy is
used with a warning; otherwise :class:`~gmsvar.errors.PanelAppUnavailable` is raised,
naming the offline alternatives. ``offline=True`` never touches the network: it serves
the cache (any age) and then the bundled snapshots.

Examples
--------
>>> from gmsvar.panels import PanelAppClient
>>> client = PanelAppClient(offline=True)
>>> client.get_panel(503).provenance["source"]     # not cached: bundled snapshot
'snapshot'
"""

from __future__ import annotations

import email.utils
import logging
import os
import sqlite3
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from ..errors import (
    GmsvarWarning,
    InputError,
    PanelAppUnavailable,
    PanelError,
    PanelNotFound,
)
from .model import Panel, _parse_datetime, iter_test_codes
from .snapshots import load_snapshot

if TYPE_CHECKING:
    import requests
    import requests_cache

__all__ = [
    "DEFAULT_BASE_URL",
    "PANELAPP_AUSTRALIA_URL",
    "PanelAppClient",
    "PanelSummary",
    "default_cache_dir",
]

log = logging.getLogger(__name__)

#: Genomics England PanelApp API v1.
DEFAULT_BASE_URL = "https://panelapp.genomicsengland.co.uk/api/v1/"
#: PanelApp Australia runs the same software and API.
PANELAPP_AUSTRALIA_URL = "https://panelapp-aus.org/api/v1/"

_CACHE_FILE = "panelapp_http_cache.sqlite"
_SQLITE_MAGIC = b"SQLite format 3\x00"


def default_cache_dir() -> Path:
    """``<user cache dir>/gmsvar/panelapp`` (platformdirs), computed when called."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("gmsvar")) / "panelapp"


@dataclass(frozen=True)
class PanelSummary:
    """A panel as listed by ``panels/`` or ``panels/signedoff/`` (no entities)."""

    id: int
    name: str
    version: str
    version_created: datetime | None
    relevant_disorders: tuple[str, ...]
    types: tuple[str, ...]
    status: str | None
    n_genes: int
    n_strs: int
    n_regions: int
    signed_off: datetime | None = None

    @property
    def test_codes(self) -> tuple[str, ...]:
        """Test-directory codes in ``relevant_disorders``."""
        return tuple(iter_test_codes(self.relevant_disorders))

    @classmethod
    def from_panelapp(cls, data: Mapping[str, Any]) -> PanelSummary:
        """Parse one ``results`` item of a list response."""
        try:
            stats = data.get("stats") or {}
            return cls(
                id=int(data["id"]),
                name=str(data["name"]),
                version=str(data["version"]),
                version_created=_parse_datetime(data.get("version_created")),
                relevant_disorders=tuple(str(d) for d in data.get("relevant_disorders") or ()),
                types=tuple(
                    str(t.get("slug", "")) if isinstance(t, Mapping) else str(t)
                    for t in data.get("types") or ()
                ),
                status=data.get("status"),
                n_genes=int(stats.get("number_of_genes", 0)),
                n_strs=int(stats.get("number_of_strs", 0)),
                n_regions=int(stats.get("number_of_regions", 0)),
                signed_off=_parse_datetime(data.get("signed_off")),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise PanelError(f"malformed panel list item ({err!r}): {dict(data)!r:.200}") from err


@dataclass(frozen=True)
class _Fetched:
    data: Any
    url: str
    from_cache: bool
    stale: bool
    retrieved: str


class PanelAppClient:
    """Client for the PanelApp API v1 (Genomics England by default).

    Parameters
    ----------
    base_url
        API root ending in ``/api/v1/``; e.g. :data:`PANELAPP_AUSTRALIA_URL`.
    cache_dir
        Directory of the SQLite HTTP cache; default :func:`default_cache_dir`.
    ttl
        How long a cached response is fresh: a :class:`~datetime.timedelta` or seconds;
        ``None`` keeps responses until replaced.
    offline
        Never use the network: serve cached responses (any age), then snapshots.
    timeout
        Seconds to connect and to read, or one number for both.
    retries
        Extra attempts after a 429/5xx answer, a timeout or a connection failure.
    backoff, max_backoff
        The n-th retry waits ``backoff * 2**n`` seconds (or ``Retry-After``), at most
        ``max_backoff``.
    snapshot_dir
        Extra snapshot directory for the offline fallback of :meth:`get_panel`.

    Examples
    --------
    >>> client = PanelAppClient(cache_dir="/tmp/x", ttl=3600, timeout=5)
    >>> client.base_url
    'https://panelapp.genomicsengland.co.uk/api/v1/'
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        ttl: timedelta | float | None = timedelta(days=1),
        offline: bool = False,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        retries: int = 3,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        snapshot_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._cache_dir = None if cache_dir is None else Path(cache_dir)
        if isinstance(ttl, timedelta):
            self.ttl: timedelta | None = ttl
        else:
            self.ttl = None if ttl is None else timedelta(seconds=float(ttl))
        self.offline = bool(offline)
        self.timeout = timeout
        if retries < 0:
            raise InputError(f"retries must be >= 0, got {retries}")
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.snapshot_dir = snapshot_dir
        self._session: requests_cache.CachedSession | None = None

    def __repr__(self) -> str:
        mode = "offline" if self.offline else "online"
        return f"<PanelAppClient {self.base_url} ({mode}, cache {self.cache_path})>"

    def __enter__(self) -> PanelAppClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- cache -----------------------------------------------------------------------------
    @property
    def cache_path(self) -> Path:
        """The SQLite cache file."""
        return (self._cache_dir or default_cache_dir()) / _CACHE_FILE

    def close(self) -> None:
        """Close the cache file (reopened on the next request)."""
        if self._session is not None:
            self._session.close()  # type: ignore[no-untyped-call]
            self._session = None

    def _open(self) -> requests_cache.CachedSession:
        if self._session is not None:
            return self._session
        path = self.cache_path
        path.parent.mkdir(parents=True, exist_ok=True)
        problem = _sqlite_problem(path)
        if problem:
            self._quarantine(path, problem)
        import requests_cache  # imported on first use: keeps `import gmsvar` light

        expire = -1 if self.ttl is None else self.ttl  # -1: requests-cache's "never expire"
        self._session = requests_cache.CachedSession(
            str(path), backend="sqlite", expire_after=expire, allowable_codes=(200,),
            allowable_methods=("GET",),
        )
        self._session.headers["Accept"] = "application/json"
        return self._session

    def _quarantine(self, path: Path, problem: str) -> None:
        self.close()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        moved = path.with_name(f"{path.name}.corrupt-{stamp}")
        path.replace(moved)
        for suffix in ("-wal", "-shm", "-journal"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.replace(moved.with_name(moved.name + suffix))
        warnings.warn(
            f"PanelApp cache {path} was unreadable ({problem}); moved it to {moved.name} "
            "and started an empty cache",
            GmsvarWarning,
            stacklevel=4,
        )

    def _cached(self, url: str, params: Mapping[str, str] | None) -> requests.Response | None:
        """The cached response for a request, whatever its age; ``None`` if not cached."""
        import requests
        session = self._open()
        req = session.prepare_request(requests.Request("GET", url, params=params))
        try:
            cached: requests.Response | None = session.cache.get_response(
                session.cache.create_key(req)
            )
            return cached
        except sqlite3.DatabaseError as err:
            self._quarantine(self.cache_path, str(err))
            return None

    def _forget(self, url: str, params: Mapping[str, str] | None) -> None:
        import requests
        session = self._open()
        req = session.prepare_request(requests.Request("GET", url, params=params))
        session.cache.delete(session.cache.create_key(req))

    # -- HTTP ------------------------------------------------------------------------------
    def _delay(self, attempt: int, response: requests.Response | None) -> float:
        delay: float = self.backoff * float(2**attempt)
        if response is not None:
            after = _retry_after(response.headers.get("Retry-After"))
            if after is not None:
                delay = after
        return min(max(delay, 0.0), self.max_backoff)

    def _send(self, url: str, params: Mapping[str, str] | None) -> requests.Response:
        import requests
        last: str = "no attempt"
        last_err: BaseException | None = None
        rebuilt = False
        attempt = 0
        while attempt <= self.retries:
            response: requests.Response | None = None
            try:
                response = self._open().get(url, params=params, timeout=self.timeout)
            except sqlite3.DatabaseError as err:
                if rebuilt:
                    raise PanelError(f"PanelApp cache {self.cache_path} keeps failing: {err}"
                                     ) from err
                self._quarantine(self.cache_path, str(err))
                rebuilt = True
                continue
            except (requests.Timeout, requests.ConnectionError) as err:
                last, last_err = f"{type(err).__name__}: {err}", err
            except requests.RequestException as err:
                raise PanelError(f"request to {url} failed: {err}") from err
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return response
                last = f"HTTP {response.status_code} {response.reason}"
            if attempt < self.retries:
                wait = self._delay(attempt, response)
                log.info("PanelApp %s (%s); retry %d in %.2fs", url, last, attempt + 1, wait)
                time.sleep(wait)
            attempt += 1
        stale = self._cached(url, params)
        if stale is not None:
            warnings.warn(
                f"PanelApp unreachable for {url} ({last}); using the cached response from "
                f"{_created(stale)}, which may be out of date",
                GmsvarWarning,
                stacklevel=4,
            )
            return stale
        raise PanelAppUnavailable(
            f"PanelApp at {self.base_url} did not answer {url} after {self.retries + 1} "
            f"attempts ({last}). Offline, use the bundled snapshots: "
            "gmsvar.panels.load_panel(<test code or panel id>), or "
            "PanelAppClient(offline=True) for cached responses"
        ) from last_err

    def _get(self, path_or_url: str, params: Mapping[str, str] | None = None,
             *, what: str) -> _Fetched:
        url = urljoin(self.base_url, path_or_url)
        if self.offline:
            cached = self._cached(url, params)
            if cached is None:
                raise PanelAppUnavailable(
                    f"offline mode: {what} is not in the cache {self.cache_path}; "
                    "go online (offline=False) or use the bundled snapshots "
                    "(gmsvar.panels.load_panel / gmsvar.panels.panelapp_index)"
                )
            response = cached
        else:
            response = self._send(url, params)
        if response.status_code == 404:
            raise PanelNotFound(f"PanelApp has no {what} ({response.url}: HTTP 404)")
        if response.status_code != 200:
            raise PanelError(
                f"PanelApp answered HTTP {response.status_code} {response.reason} for {what} "
                f"({response.url})"
            )
        try:
            data = response.json()
        except ValueError as err:
            # Do not keep serving a broken body from the cache.
            self._forget(url, params)
            raise PanelError(
                f"PanelApp returned malformed JSON for {what} ({response.url}): {err}; "
                "retry later or use the bundled snapshots (gmsvar.panels.load_panel)"
            ) from err
        from_cache = bool(getattr(response, "from_cache", False))
        expired = bool(getattr(response, "is_expired", False))
        return _Fetched(data, response.url, from_cache, from_cache and expired,
                        _created(response))

    def _paginate(self, path: str, params: Mapping[str, str] | None, *, what: str,
                  max_pages: int = 1000) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        seen: set[str] = set()
        url: str | None = path
        page_params = params
        while url is not None:
            if url in seen or len(seen) >= max_pages:
                raise PanelError(f"PanelApp pagination loops or exceeds {max_pages} pages "
                                 f"at {url}")
            seen.add(url)
            page = self._get(url, page_params, what=what).data
            if not isinstance(page, Mapping) or not isinstance(page.get("results"), list):
                raise PanelError(f"PanelApp {what}: expected {{count, next, results}}, got "
                                 f"{type(page).__name__}")
            results.extend(page["results"])
            nxt = page.get("next")
            url = str(nxt) if nxt else None
            page_params = None  # ``next`` already carries the query string
        return results

    # -- API -------------------------------------------------------------------------------
    def list_panels(self, **filters: str) -> list[PanelSummary]:
        """Every panel in ``panels/``, following ``next`` through all pages.

        Parameters
        ----------
        **filters
            Query parameters PanelApp supports, e.g. ``name="Lynch"``, ``type="..."``.
        """
        items = self._paginate("panels/", filters or None, what="panel list")
        return [PanelSummary.from_panelapp(i) for i in items]

    def signed_off_panels(self, **filters: str) -> list[PanelSummary]:
        """GMS signed-off panel versions (``panels/signedoff/``, all pages)."""
        items = self._paginate("panels/signedoff/", filters or None,
                               what="signed-off panel list")
        return [PanelSummary.from_panelapp(i) for i in items]

    def get_panel(self, panel_id: int | str, version: str | None = None) -> Panel:
        """One panel (``panels/<id>/``), the current version or exactly ``version``.

        Raises
        ------
        PanelNotFound
            PanelApp answers 404, or (offline) neither cache nor snapshot has it.
        PanelAppUnavailable
            PanelApp cannot be reached and nothing is cached.
        PanelError
            Malformed JSON or an unexpected response.
        """
        pid = str(panel_id).strip()
        params = {"version": str(version)} if version is not None else None
        what = f"panel {pid}" + (f" version {version}" if version is not None else "")
        try:
            fetched = self._get(f"panels/{pid}/", params, what=what)
        except PanelAppUnavailable:
            if not self.offline:
                raise
            return load_snapshot(pid, version, snapshot_dir=self.snapshot_dir,
                                 provenance={"offline": True})
        if not isinstance(fetched.data, Mapping):
            raise PanelError(f"PanelApp {what}: expected a JSON object")
        if version is not None and str(fetched.data.get("version")) != str(version):
            raise PanelNotFound(
                f"PanelApp returned version {fetched.data.get('version')} for {what}"
            )
        prov = {
            "source": "api", "url": fetched.url, "base_url": self.base_url,
            "from_cache": fetched.from_cache, "stale": fetched.stale,
            "retrieved": fetched.retrieved,
        }
        return Panel.from_panelapp(fetched.data, provenance=prov)


# -- helpers -----------------------------------------------------------------------------------
def _sqlite_problem(path: Path) -> str | None:
    """Why ``path`` is not a usable SQLite file, or ``None`` if it is (or is absent)."""
    if not path.exists():
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except OSError as err:
        return str(err)
    if path.stat().st_size == 0:
        return None  # SQLite accepts an empty file as a new database
    if head != _SQLITE_MAGIC:
        return "not an SQLite database"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("PRAGMA quick_check").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as err:
        return str(err)
    return None if row and row[0] == "ok" else f"integrity check: {row}"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _created(response: requests.Response) -> str:
    created = getattr(response, "created_at", None)
    if isinstance(created, datetime):
        return created.isoformat()
    return datetime.now(UTC).isoformat()
