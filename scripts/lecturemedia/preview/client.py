"""A watcher in a subprocess, its events and its latency: for the tests and the benchmark."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .builder import MAKE_VARS


class EventStream:
    """The watcher's events, read in a thread: `next("reload", timeout)` waits for the next one."""

    def __init__(self, url: str) -> None:
        self._events: queue.Queue[tuple[str, Any]] = queue.Queue()
        parts = urllib.parse.urlsplit(url)
        self._sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        request = f"GET {parts.path} HTTP/1.0\r\nHost: {parts.netloc}\r\nAccept: text/event-stream\r\n\r\n"
        self._sock.sendall(request.encode())
        self._lines = self._sock.makefile("rb")
        if b" 200 " not in self._lines.readline():
            raise ConnectionError(f"{url}: not an event stream")
        while self._lines.readline().strip():
            pass  # the headers
        self._sock.settimeout(None)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event = "message"
        try:
            for raw in self._lines:
                line = raw.decode().rstrip("\r\n")
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    self._events.put((event, json.loads(line.removeprefix("data: "))))
                    event = "message"
        except (OSError, ValueError):
            pass
        self._events.put(("closed", None))

    def next(self, event: str, timeout: float = 60, where: Callable[[Any], bool] = lambda _d: True) -> Any:
        """The data of the next `event` that `where` accepts (skipping the others)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                name, data = self._events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no {event!r} event within {timeout} s") from None
            if name == event and where(data):
                return data
            if name == "closed":
                raise EOFError("the watcher closed the event stream")

    def drain(self) -> None:
        while not self._events.empty():
            self._events.get_nowait()

    def close(self) -> None:
        with suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # ends the reading thread's wait, too
        self._sock.close()


@dataclass
class Preview:
    """A running watcher: its process (a group of its own), its URL, its output so far."""

    proc: subprocess.Popen[str]
    url: str
    output: list[str]

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=30) as r:
            return r.read()

    def events(self) -> EventStream:
        return EventStream(self.url + "__watch/events")

    def said(self, text: str, timeout: float = 10) -> bool:
        """Whether the watcher printed `text`: a thread reads its output, and may not have read a
        line yet when an event sent after it has already arrived."""
        deadline = time.monotonic() + timeout
        while text not in "".join(self.output):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> int:
        """Send sig to the watcher's process group, as Ctrl-C does to a terminal's; its exit code."""
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        return self.proc.wait(timeout)


@contextmanager
def running(
    cmd: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> Iterator[Preview]:
    """Start a watcher command (`make watch PORT=0 …` or `python -m lecturemedia.preview.watch --port 0`),
    wait for its URL; stop it (SIGINT, then SIGKILL) on the way out."""
    full_env = {k: v for k, v in os.environ.items() if k not in MAKE_VARS} | dict(env or {})
    proc = subprocess.Popen(
        list(cmd), cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    output: list[str] = []
    url = _read_url(proc, output, timeout)
    threading.Thread(target=lambda: output.extend(proc.stdout or ()), daemon=True).start()
    preview = Preview(proc, url, output)
    try:
        yield preview
    finally:
        if proc.poll() is None:
            try:
                preview.stop(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _read_url(proc: subprocess.Popen[str], output: list[str], timeout: float) -> str:
    assert proc.stdout is not None
    found: list[str] = []

    def read() -> None:
        for line in proc.stdout or ():
            output.append(line)
            if m := re.search(r"http://127\.0\.0\.1:\d+/", line):
                found.append(m[0])
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if not found:
        proc.kill()
        raise RuntimeError("the watcher printed no URL:\n" + "".join(output))
    return found[0]


def mark_line(text: str, word: str) -> str:
    """The deck with `word` at the end of its first list item, or as a last line (a one-line edit)."""
    marked, n = re.subn(r"^(- .+)$", rf"\1 {word}", text, count=1, flags=re.M)
    return marked if n else f"{text.rstrip()}\n\n{word}\n"


def measure_latency(
    project_root: Path,
    deck: str,
    n: int = 10,
    make_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Seconds from saving a one-line edit of a deck to the new HTML being served, and to the new
    PDF on disk, for n edits with a watcher running on project_root (which it edits, then restores)."""
    source = project_root / "slides_src" / f"{deck}.md"
    pdf = project_root / "build" / "slides" / f"{deck}.pdf"
    original = source.read_text(encoding="utf-8")
    cmd = [sys.executable, "-u", "-m", "lecturemedia.preview.watch", "--port", "0", "--", *make_args]
    html_s: list[float] = []
    pdf_s: list[float] = []
    make_html: list[float] = []
    with running(cmd, project_root, env) as preview:
        events = preview.events()
        events.next("built", timeout=600)  # the first build brings build/ up to date
        try:
            for i in range(n):
                word = f"latency{i}x"
                events.drain()
                before = pdf.stat().st_mtime_ns if pdf.exists() else 0
                start = time.perf_counter()
                source.write_text(mark_line(original, word), encoding="utf-8")
                html_s.append(_until_served(preview, events, deck, word, start))
                pdf_s.append(_until_changed(pdf, before, start))
                make_html.append(events.next("built", timeout=120)["html"])
        finally:
            source.write_text(original, encoding="utf-8")
            events.next("built", timeout=120)
            events.close()
    return {
        "html_median": statistics.median(html_s),
        "pdf_median": statistics.median(pdf_s),
        "make_html_median": statistics.median(make_html),
        "html": html_s,
        "pdf": pdf_s,
    }


def _until_served(preview: Preview, events: EventStream, deck: str, word: str, start: float) -> float:
    while True:
        events.next("reload", timeout=120, where=lambda d: deck in d["decks"])
        if word.encode() in preview.get(f"{deck}.html"):
            return time.perf_counter() - start


def _until_changed(path: Path, before: int, start: float, timeout: float = 120) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_mtime_ns != before:
            return time.perf_counter() - start
        time.sleep(0.005)
    raise TimeoutError(f"{path} did not change within {timeout} s")
