"""The preview's HTTP server: build/html/ with the page script put in, stills, and the event stream."""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import queue
import re
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, BinaryIO

from .pages import Hub, Site, inject

ASSETS = Path(__file__).parent / "assets"
STILL_PATH = re.compile(r"/__watch/stills/([A-Za-z0-9_]+)\.png")


class Handler(http.server.SimpleHTTPRequestHandler):
    """build/html/ with the watcher's script in each page; the event stream; the stills."""

    server: PreviewServer

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        try:
            if path == "/__watch/events":
                self.events()
            elif path == "/__watch/watch.js":
                self.send_bytes((ASSETS / "watch.js").read_bytes(), "text/javascript; charset=utf-8")
            elif m := STILL_PATH.fullmatch(path):
                self.send_file(self.server.stills / f"{m[1]}.png")
            elif path == "/" and not (self.server.site.folder / "index.html").exists():
                self.send_bytes(inject(index_page(self.server.site)), "text/html; charset=utf-8")
            elif path.endswith(".html") or path.endswith("/"):
                self.page(path)
            else:
                self.static(path)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away (a reload, a seek in a video)

    def page(self, path: str) -> None:
        file = Path(self.translate_path(path))
        if file.is_dir():
            file = file / "index.html"
        try:
            rel = file.relative_to(self.server.site.folder).as_posix()
        except ValueError:
            return self.send_error(404)
        body = file.read_bytes() if file.is_file() else self.server.site.pages.get(rel)
        if body is None:
            return self.send_error(404)
        self.send_bytes(inject(body), "text/html; charset=utf-8")

    def static(self, path: str) -> None:
        file = Path(self.translate_path(path))
        if file.is_dir():
            return super().do_GET()  # its listing (or the redirect to add the slash)
        self.send_file(file)

    def send_bytes(self, body: bytes, ctype: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_file(self, file: Path) -> None:
        """A file, or the byte range asked for (browsers seek in videos with Range)."""
        try:
            fh: BinaryIO = file.open("rb")
        except OSError:
            return self.send_error(404)
        with fh:
            size = os.fstat(fh.fileno()).st_size
            span = byte_range(self.headers.get("Range"), size)
            if span is None:
                self.send_response(200)
                start, end = 0, size
            else:
                start, end = span
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{end - 1}/{size}")
            self.send_header("Content-Type", self.guess_type(str(file)))
            self.send_header("Content-Length", str(end - start))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            fh.seek(start)
            _copy(fh, self.wfile, end - start)

    def events(self) -> None:
        """The Server-Sent Events stream: the state first, then every event, a comment every 15 s."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.end_headers()
        self.wfile.write(b"retry: 500\n\n")
        q = self.server.hub.subscribe()
        try:
            while True:
                try:
                    item = q.get(timeout=15)
                except queue.Empty:
                    self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
                    continue
                if item is None:
                    return
                self.wfile.write(f"event: {item[0]}\ndata: {json.dumps(item[1])}\n\n".encode())
                self.wfile.flush()
        finally:
            self.server.hub.unsubscribe(q)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a reload gets what was just built
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class PreviewServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, root: Path, hub: Hub, site: Site) -> None:
        self.hub, self.site, self.stills = hub, site, root / "build" / "stills"
        super().__init__(("127.0.0.1", port), functools.partial(Handler, directory=str(site.folder)))


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end) of a one-range `Range: bytes=a-b` header within size; None for the whole file."""
    m = re.fullmatch(r"bytes=(\d*)-(\d*)", (header or "").strip())
    if not m or not (m[1] or m[2]) or size == 0:
        return None
    if not m[1]:
        return max(0, size - int(m[2])), size
    start = int(m[1])
    end = min(size, int(m[2]) + 1) if m[2] else size
    return (start, end) if start < end else None


def _copy(src: BinaryIO, dst: Any, n: int) -> None:
    while n > 0:
        chunk = src.read(min(n, 1 << 16))
        if not chunk:
            return
        dst.write(chunk)
        n -= len(chunk)


def index_page(site: Site) -> bytes:
    """The decks built so far, and the stills, as links."""
    decks = sorted(p.stem for p in site.folder.glob("*.html"))
    items = "".join(f'<li><a href="{urllib.parse.quote(d)}.html">{html.escape(d)}</a></li>' for d in decks)
    return (
        '<!doctype html><html lang="es"><meta charset="utf-8"><title>Vista previa</title>'
        '<body style="font:18px sans-serif;margin:2em">'
        f"<h1>Decks</h1><ul>{items or '<li>(building…)</li>'}</ul></body></html>"
    ).encode()
