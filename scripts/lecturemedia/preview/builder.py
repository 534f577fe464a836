"""The builds: one make at a time for the saves that came in, the pages told what changed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .pages import Hub, Site
from .sources import scene_names, scenes_touched

POLL_SECONDS = 0.02  # how often a build is looked at for a deck's new HTML
# A parent make's settings, not for ours (its jobserver, its inner-make flag: ours go through
# the Makefile's outer layer, which takes build/.lock and repeats the errors last).
MAKE_VARS = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "LECTURE_INNER", "LECTURE_ERRORS")
ERROR_LINE = "error: "
PROGRESS = re.compile(r"^\s+\S+: animation \d+, ")  # a scene's progress line (scenes/common.py)


def error_message(stderr: str, stdout: str = "") -> str:
    """What a failed make said, for the page: each `error: ...` block of the build, else its last lines."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in stderr.splitlines():
        if line.startswith(ERROR_LINE):
            current = [line.removeprefix(ERROR_LINE)]
            blocks.append(current)
        elif line.startswith(("make: ", "make[")) or not line.strip() or PROGRESS.match(line):
            current = None if line.startswith("make") else current
        elif current is not None:
            current.append(line)
    if blocks:
        return "\n\n".join(dict.fromkeys("\n".join(b) for b in blocks))  # the outer make repeats them
    tail = [ln for ln in (stderr or stdout).splitlines() if ln.strip() and not PROGRESS.match(ln)]
    return "\n".join(tail[-15:]) or "make failed"




def end_group(pgid: int, leader: subprocess.Popen[Any] | None = None) -> None:
    """SIGINT (as Ctrl-C would: make deletes what it was writing), then SIGTERM, then SIGKILL,
    until no process of the group is left. `leader`: the group's first process, when nothing
    else waits for it (its exit is collected here, or it would stay a zombie of the group)."""
    for sig, grace in ((signal.SIGINT, 5.0), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if leader is not None:
                leader.poll()
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)


@dataclass
class Result:
    ok: bool
    seconds: float
    stdout: str
    stderr: str
    superseded: bool = False  # stopped for a newer save


class Builder:
    """Runs make for the saves it is told of: one make at a time, the saves made meanwhile in one next build."""

    def __init__(
        self,
        root: Path,
        make_args: Sequence[str],
        hub: Hub,
        site: Site,
        stills: bool = False,
        say: Callable[[str], None] = print,
    ) -> None:
        self.root, self.make_args, self.stills, self.say = root, list(make_args), stills, say
        self.hub, self.site = hub, site
        self._cond = threading.Condition()
        self._pending: set[str] = set()
        self._stopping = False
        self._proc: subprocess.Popen[str] | None = None
        self.errors: dict[str, str | None] = {}

    def request(self, changed: Iterable[str]) -> None:
        with self._cond:
            self._pending.update(changed)
            self._cond.notify_all()

    def pending(self) -> bool:
        with self._cond:
            return bool(self._pending)

    def run(self) -> None:
        """The build loop (a thread's target), until stop()."""
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                changed, self._pending = self._pending, set()
            try:
                self.cycle(changed)
            except _StoppedError:
                return
            except Exception as exc:  # the watcher outlives anything a build does
                self.say(f"error: the watcher's build step failed: {type(exc).__name__}: {exc}")
                self.hub.update(building=False, error=f"{type(exc).__name__}: {exc}")

    def stop(self) -> None:
        """End the loop, and the make running now with everything it started."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            proc = self._proc
        if proc is not None:
            end_group(proc.pid)

    def cycle(self, changed: set[str]) -> None:
        """One build: one make of the HTML and the PDFs, the HTML first; each page reloads as soon
        as its HTML is written, before the PDFs are done. A save made meanwhile stops the PDFs once
        the HTML is served (the next build makes them). Then the stills if asked, then the handouts."""
        self.hub.update(building=True)
        keep = self.old_videos() if self.stills else []
        start = time.perf_counter()
        reloaded: list[str] = []
        html_seconds: float | None = None

        def reload(keep_missing: bool, building: bool = False) -> None:
            nonlocal html_seconds
            decks = self.site.decks_reading(self.site.update(keep_missing=keep_missing))
            if decks:
                html_seconds = html_seconds or time.perf_counter() - start
                reloaded.extend(d for d in decks if d not in reloaded)
                if building:  # a good save, so far: the pages reload without the last build's error
                    self.errors.pop("build", None)
                    self.hub.update(error=self.error_text())
                self.hub.publish("reload", {"decks": decks})

        def poll() -> bool:
            if self.site.pages_written():
                reload(keep_missing=True, building=True)
            return bool(reloaded) and self.pending()

        build = self.step("build", [*keep, "html", "slides"], poll=poll)
        if build.superseded:
            self.say(_summary(build, html_seconds or build.seconds, build.seconds, reloaded))
            return  # building still: the next save's build follows at once
        reload(keep_missing=not build.ok)
        self.hub.update(error=self.error_text())
        if self.stills and build.ok:
            self.refresh_stills(changed)
        last = build
        if build.ok and not self.pending():  # the handouts are not waited for, and can wait for the next save
            last = self.step("build", [*keep, "handouts"])
        html_seconds = html_seconds or build.seconds
        seconds = time.perf_counter() - start
        self.say(_summary(last, html_seconds, seconds, reloaded))
        self.hub.update(building=False, error=self.error_text())
        built = {"ok": last.ok, "html": html_seconds, "pdf": build.seconds, "decks": sorted(reloaded)}
        self.hub.publish("built", built)

    def step(self, name: str, targets: list[str], poll: Callable[[], bool] | None = None) -> Result:
        """Run make for one step; record (and print) its error, or clear it."""
        result = self.make(*targets, poll=poll)
        if result.superseded:
            return result  # stopped for a newer save: no verdict on this one
        message = None if result.ok else error_message(result.stderr, result.stdout)
        if message:
            self.say(f"error: {message}")
        self.errors[name] = message
        return result

    def make(self, *args: str, poll: Callable[[], bool] | None = None) -> Result:
        """Run make; call poll every few hundredths of a second while it runs, and stop make
        (with everything it started) when poll says so."""
        start = time.perf_counter()
        cmd = ["make", "--no-print-directory", "-k", *self.make_args, *args]
        env = {k: v for k, v in os.environ.items() if k not in MAKE_VARS}
        if self.stills:
            env["LECTURE_STILL_WORKER"] = "0"  # the watcher runs its own worker, and ends it
            env["LECTURE_INNER"] = "1"  # the build graph itself: the outer make would not pass -o on
            (self.root / "build").mkdir(exist_ok=True)
            cmd = ["flock", str(self.root / "build" / ".lock"), *cmd]  # the outer make's lock, taken here
        with self._cond:
            if self._stopping:
                raise _StoppedError
            self._proc = proc = subprocess.Popen(
                cmd,
                cwd=self.root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,  # its own process group, so that a stop ends all of it
            )
        superseded = False
        while True:
            try:
                out, err = proc.communicate(timeout=POLL_SECONDS if poll else None)
                break
            except subprocess.TimeoutExpired:  # retrying loses no output
                assert poll is not None
                try:
                    superseded = poll()
                except BaseException:
                    end_group(proc.pid, proc)
                    raise
                if superseded:
                    end_group(proc.pid, proc)  # as Ctrl-C: make removes what it was writing
                    out, err = proc.communicate()
                    break
        with self._cond:
            self._proc = None
            if self._stopping:
                raise _StoppedError
        return Result(proc.returncode == 0 and not superseded, time.perf_counter() - start, out, err, superseded)

    def error_text(self) -> str | None:
        return "\n\n".join(m for m in self.errors.values() if m) or None

    def video_dir(self) -> str:
        quality = next((a.split("=", 1)[1] for a in self.make_args if a.startswith("QUALITY=")), None)
        quality = quality or os.environ.get("QUALITY") or "preview"
        return "build/videos" if quality == "preview" else f"build/videos/{quality}"

    def old_videos(self) -> list[str]:
        """make's -o for each video there is: keep it as it is, whatever changed (--stills)."""
        folder = self.root / self.video_dir()
        videos = [p for s in scene_names(self.root) for p in (folder / f"{s}.mp4", folder / f"{s}.png") if p.exists()]
        return [arg for p in videos for arg in ("-o", p.relative_to(self.root).as_posix())]

    def refresh_stills(self, changed: set[str]) -> None:
        """`make still` for each scene the save touched; the pages show the new ones."""
        for scene in scenes_touched(changed, scene_names(self.root)):
            result = self.step(f"still {scene}", ["still", f"NAME={scene}"])
            if result.ok:
                stills = {**self.hub.state["stills"], scene: time.time_ns() // 1_000_000}
                self.hub.update(stills=stills, error=self.error_text())
                self.say(f"  still  {result.seconds:5.2f} s  build/stills/{scene}.png")


class _StoppedError(Exception):
    """The watcher is stopping: the build in progress is abandoned."""


def _summary(build: Result, html_seconds: float, seconds: float, decks: list[str]) -> str:
    parts = [f"  html {html_seconds:.2f} s"]
    if decks:
        parts.append(f"reload {', '.join(decks)}")
    verdict = "PDF stopped for the next save" if build.superseded else "built" if build.ok else "failed"
    parts.append(f"{verdict} {seconds:.2f} s")
    return "  ".join(parts)
