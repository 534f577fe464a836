"""What the open pages are told (the event hub) and what build/html/ holds (the site)."""

from __future__ import annotations

import hashlib
import html
import os
import queue
import re
import threading
import urllib.parse
import urllib.request
from contextlib import suppress
from pathlib import Path, PurePosixPath
from typing import Any

SCRIPT_TAG = b'<script src="/__watch/watch.js"></script>'
REFERENCE = re.compile(rb'\b(?:src|href|poster|data-src|data-background-(?:image|video))="([^"]+)"')


# ---- the pages' channel


class Hub:
    """The open pages: a queue each, and the state a page is told first when it connects."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: set[queue.Queue[tuple[str, Any] | None]] = set()
        self.state: dict[str, Any] = {"error": None, "building": False, "stills": {}}

    def subscribe(self) -> queue.Queue[tuple[str, Any] | None]:
        q: queue.Queue[tuple[str, Any] | None] = queue.Queue()
        with self._lock:
            self._clients.add(q)
            q.put(("state", dict(self.state)))
        return q

    def unsubscribe(self, q: queue.Queue[tuple[str, Any] | None]) -> None:
        with self._lock:
            self._clients.discard(q)

    def publish(self, event: str, data: Any) -> None:
        with self._lock:
            for q in self._clients:
                q.put((event, data))

    def update(self, **changes: Any) -> None:
        """Change the state and tell every page (if it changed)."""
        with self._lock:
            if all(self.state.get(k) == v for k, v in changes.items()):
                return
            self.state.update(changes)
            state = dict(self.state)
        self.publish("state", state)

    def close(self) -> None:
        """End every page's event stream."""
        with self._lock:
            for q in self._clients:
                q.put(None)


# ---- what build/html/ holds


class Site:
    """build/html/ as last seen: each file's digest, each deck's last good HTML, what each deck reads."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.stats: dict[str, tuple[int, int]] = {}
        self.digests: dict[str, str] = {}
        self.pages: dict[str, bytes] = {}  # deck.html -> its last good bytes, served while the file is missing
        self.update(keep_missing=False)

    def scan(self) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        for dirpath, _dirs, files in os.walk(self.folder):
            for name in files:
                path = Path(dirpath, name)
                try:
                    st = path.stat()
                except FileNotFoundError:
                    continue
                found[path.relative_to(self.folder).as_posix()] = (st.st_mtime_ns, st.st_size)
        return found

    def update(self, keep_missing: bool) -> set[str]:
        """The files whose bytes changed since the last update. After a failed make, keep_missing:
        a file the failure removed is taken as unchanged (its last good bytes are still served)."""
        stats = self.scan()
        changed = {rel for rel in stats if stats[rel] != self.stats.get(rel) and self._rehash(rel)}
        for rel in set(self.stats) - set(stats):
            if keep_missing:
                stats[rel] = self.stats[rel]
            else:
                changed.add(rel)
                self.digests.pop(rel, None)
                self.pages.pop(rel, None)
        self.stats = stats
        return changed

    def pages_written(self) -> bool:
        """Whether a deck's HTML was written since the last update (a few stats: polled during a
        build). A deck's HTML is made again after any video or picture it shows (its prerequisites)."""
        for page in self.folder.glob("*.html"):
            with suppress(FileNotFoundError):
                st = page.stat()
                if (st.st_mtime_ns, st.st_size) != self.stats.get(page.name):
                    return True
        return False

    def _rehash(self, rel: str) -> bool:
        """Record the file's digest (and a deck's bytes); whether its bytes changed."""
        try:
            data = (self.folder / rel).read_bytes()
        except FileNotFoundError:
            return False
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        if "/" not in rel and rel.endswith(".html"):
            self.pages[rel] = data
        old, self.digests[rel] = self.digests.get(rel), digest
        return old != digest

    def decks_reading(self, changed: set[str]) -> list[str]:
        """The decks whose HTML, or a file their HTML names (video, image, style, script), changed."""
        return sorted(
            rel.removesuffix(".html")
            for rel, page in self.pages.items()
            if rel in changed or references(page) & changed
        )


def references(page: bytes) -> set[str]:
    """The files under build/html/ that a page names in src, href, poster (relative URLs only)."""
    found = set()
    for m in REFERENCE.finditer(page):
        url = urllib.parse.urlsplit(html.unescape(m.group(1).decode("utf-8", "replace")))
        if url.scheme or url.netloc or url.path.startswith("/") or not url.path:
            continue
        path = os.path.normpath(urllib.parse.unquote(url.path))
        if not path.startswith(".."):
            found.add(PurePosixPath(path).as_posix())
    return found


def inject(page: bytes) -> bytes:
    """The page with the watcher's script before </body> (or at its end)."""
    at = page.lower().rfind(b"</body>")
    return page + SCRIPT_TAG if at < 0 else page[:at] + SCRIPT_TAG + b"\n" + page[at:]
