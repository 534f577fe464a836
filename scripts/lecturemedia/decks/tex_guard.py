"""Every TeX run a deck makes reads only the project's files and TeX's own.

A deck is LaTeX as much as Markdown, and LaTeX can read any file it is given
(`\\verbatiminput{/etc/passwd}`, `\\InputIfFileExists`, `\\pdffiledump`, an image): a deck
from elsewhere could carry ~/.ssh/id_rsa into a PDF that is then shared. So each run is
guarded twice:

- TeX Live's paranoid mode, `openin_any=p`: TeX refuses a name it is given that is
  absolute, climbs with `..` or is a hidden file; kpathsea says so on stderr ("Not reading
  from …"), and such a name is refused here by name. TEXMFOUTPUT is the project, so an
  absolute name inside it (the engine's own, under build/) stays readable.
- `-recorder`: TeX lists every file it opened in `<job>.fls`, found through a search path
  or through a link; each must lie, links resolved, in the project or in TeX's own trees.

A run that read anything else is refused: its PDF is removed, and the error names the deck,
the line that names the file when there is one, and the file.

python -m lecturemedia.decks.tex_guard picture --root ROOT --deck slides_src/x.md --pdf OUT.pdf
    compiles the LaTeX document on stdin (a TikZ picture, for the HTML) under the same guard;
    exit 3 with the refusal on stdout, or pdflatex's status with its output.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..errors import UserError

REFUSED = re.compile(r"Not reading from (.+?) \(openin_any = p\)")
# TeX's own trees: those kpathsea searches ($TEXMF: the distribution, the local and the
# user's trees, the generated fonts and formats), its configuration, and Debian's places.
TREE_VARIABLES = "$TEXMF:$TEXMFCNF:$TEXMFROOT:$TEXMFDIST:$TEXMFVAR:$TEXMFSYSVAR:$TEXMFCONFIG:$TEXMFSYSCONFIG"
DEBIAN_TREES = ("/usr/share/texlive", "/usr/share/texmf", "/etc/texmf", "/var/lib/texmf")
# Names TeX's own classes try that leak nothing (standalone.cls probes /dev/null).
HARMLESS = frozenset({"/dev/null"})
GUARD_EXIT = 3  # the CLI's status when a picture read outside the project


def environment(base: Mapping[str, str], root: Path) -> dict[str, str]:
    """`base` with TeX in paranoid mode: names outside `root` (absolute, `..`, hidden) refused."""
    return {**base, "openin_any": "p", "TEXMFOUTPUT": str(root.resolve())}


@functools.cache
def tex_trees() -> tuple[Path, ...]:
    """The folders of TeX's own files on this machine (never `/`, the home folder or above it)."""
    try:
        proc = subprocess.run(
            ["kpsewhich", f"--expand-braces={TREE_VARIABLES}"], capture_output=True, text=True, check=False
        )
        listed = proc.stdout.strip().split(":")
    except OSError:
        listed = []
    home = Path.home().resolve()
    trees: list[Path] = []
    for entry in [*listed, *DEBIAN_TREES]:
        entry = entry.strip().removeprefix("!!")
        if not entry.startswith("/"):
            continue  # `.`, an unexpanded variable: no tree
        path = Path(os.path.normpath(entry))
        for form in (path, path.resolve()):
            if form == Path("/") or home.is_relative_to(form) or form in trees:
                continue
            trees.append(form)
    return tuple(trees)


@dataclass(frozen=True)
class OutsideRead:
    """A file a TeX run read, or tried to read, outside the project and TeX's trees."""

    name: str  # as TeX named it
    path: Path | None = None  # where TeX opened it (None: TeX refused the name)
    target: Path | None = None  # where that leads, links resolved
    reason: str = "outside"  # or, for a name TeX refused inside the project: "hidden", "climbs" (`..`)

    def what(self, root: Path) -> str:
        if self.path is None or self.target is None:
            return self.name
        if self.path == self.target:
            return str(self.target)
        try:
            shown = str(self.path.relative_to(root.resolve()))
        except ValueError:
            shown = str(self.path)
        return f"{shown} (a link to {self.target})"


def _inside(path: Path, folders: tuple[Path, ...]) -> bool:
    return any(path.is_relative_to(folder) for folder in folders)


def allowed(path: Path, root: Path, trees: tuple[Path, ...]) -> bool:
    """Whether a file TeX opened is the project's (links resolved) or TeX's own."""
    lexical = Path(os.path.normpath(path))
    if _inside(lexical, trees):
        return True  # as TeX found it in its own tree (its links are TeX's, not a deck's)
    real = lexical.resolve()
    return _inside(real, (root.resolve(), *trees))


def recorded_inputs(fls: Path) -> tuple[Path, list[tuple[str, Path]]]:
    """The folder the run worked in (the .fls's first PWD, which relative names are read from),
    and each file it opened for reading (`INPUT`): as recorded, and absolute."""
    if not fls.is_file():
        return fls.parent, []
    run_folder: Path | None = None
    pwd = fls.parent
    found: list[tuple[str, Path]] = []
    for line in fls.read_text(encoding="utf-8", errors="surrogateescape").splitlines():
        kind, _, name = line.partition(" ")
        if kind == "PWD":
            pwd = Path(name)
            run_folder = run_folder or pwd
        elif kind == "INPUT" and name:
            found.append((name, pwd / name))
    return run_folder or fls.parent, found


def outside_reads(fls: Path, stderr: str, root: Path, trees: tuple[Path, ...] | None = None) -> list[OutsideRead]:
    """What a run read, or tried to read, outside the project and TeX's trees, first first."""
    trees = tex_trees() if trees is None else trees
    found: dict[str, OutsideRead] = {}
    pwd, inputs = recorded_inputs(fls)  # the .fls, read once
    for name in REFUSED.findall(stderr):
        given = _given_name(name, stderr)
        if given not in HARMLESS:
            found.setdefault(given, OutsideRead(given, reason=_refused_because(Path(given), pwd, root)))
    targets = set()
    for name, path in inputs:
        if name not in found and str(path) not in HARMLESS and not allowed(path, root, trees):
            lexical = Path(os.path.normpath(path))
            if lexical.resolve() not in targets:  # TeX records a file at each of its reads
                targets.add(lexical.resolve())
                found[name] = OutsideRead(name, lexical, lexical.resolve())
    return list(found.values())


def _refused_because(name: Path, pwd: Path, root: Path) -> str:
    """Why TeX refused a name: it leads outside the project, or, inside it, it is hidden or climbs with `..`."""
    if name.is_absolute() or not Path(os.path.normpath(pwd / name)).resolve().is_relative_to(root.resolve()):
        return "outside"
    return "climbs" if ".." in name.parts else "hidden"


def _given_name(name: str, stderr: str) -> str:
    """The name as the deck gave it: an image is also tried with each extension (`x.png.pdf`)."""
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", name)
    return stem if stem != name and f"Not reading from {stem} (" in stderr else name


def source_line(name: str, source_lines: list[str]) -> int | None:
    """The first line of the deck that names the file (as given, or by its last parts)."""
    name = name.removeprefix("./")
    parts = Path(name).parts
    candidates = [name] + ["/".join(parts[i:]) for i in range(1, len(parts))]
    for candidate in candidates:
        for number, line in enumerate(source_lines, 1):
            if candidate and candidate in line:
                return number
    return None


def refusal(reads: list[OutsideRead], root: Path, source_lines: list[str], source_name: str) -> str:
    """The error for a run that read outside: the deck line, the file, what a deck may read."""
    first = reads[0]
    line = source_line(first.name, source_lines)
    where = f"{source_name}:{line}" if line else source_name
    if first.reason == "hidden":
        text = f"{where}: the deck reads {first.name}, a hidden file, which TeX refuses; rename it (no leading dot)"
    elif first.reason == "climbs":
        text = (
            f"{where}: the deck reads {first.name}, named with `..`, which TeX refuses (its paranoid mode keeps "
            "decks in the project); move the file into slides_src/ and name it from there"
        )
    else:
        text = (
            f"{where}: the deck reads {first.what(root)}, outside the project; a deck may read only the "
            "project's files (copy what it needs into slides_src/)"
        )
    others = [r.what(root) for r in reads[1:4]]
    if others:
        text += f"\n  it also reads: {', '.join(others)}" + (" …" if len(reads) > 4 else "")
    return text


def check(fls: Path, stderr: str, root: Path, source_lines: list[str], source_name: str) -> None:
    """Raise UserError when the run that wrote `fls` read outside the project and TeX's trees."""
    reads = outside_reads(fls, stderr, root)
    if reads:
        raise UserError(refusal(reads, root, source_lines, source_name))


def pandoc_args(shown: str) -> list[str]:
    """What tikz.lua needs to run its pdflatex through this guard, as pandoc metadata."""
    return ["-M", f"tex-python={sys.executable}", "-M", f"tex-root={paths.ROOT}", "-M", f"tex-deck={shown}"]


def run(
    command: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    fls: Path,
    root: Path,
    source_lines: list[str],
    source_name: str,
) -> subprocess.CompletedProcess[str]:
    """Run a pdflatex `command` (its first argument the program) under the guard.

    Raises UserError when the run read outside, after removing what it wrote beside `fls`
    (the PDF, the log, the aux files may all hold what it read); else the finished process.
    """
    fls.unlink(missing_ok=True)
    proc = subprocess.run(
        [command[0], "-recorder", *command[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
        env=environment(env, root),
    )
    try:
        check(fls, proc.stderr, root, source_lines, source_name)
    except UserError:
        for written in fls.parent.glob(f"{fls.stem}.*"):
            if written.suffix not in (".tex", ".fls"):
                written.unlink(missing_ok=True)
        raise
    return proc


def _picture(args: argparse.Namespace) -> int:
    """Compile stdin's document into args.pdf, in a folder of the project's build/."""
    root = Path(args.root).resolve()
    deck = root / args.deck
    lines = deck.read_bytes().decode("utf-8", errors="replace").splitlines() if deck.is_file() else []
    work_root = root / "build" / "latex" / "tikz"
    work_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_root, prefix="picture-") as tmp:
        work = Path(tmp)
        (work / "picture.tex").write_bytes(sys.stdin.buffer.read())
        command = ["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error"]
        command += [f"-output-directory={work}", str(work / "picture.tex")]
        try:
            proc = run(
                command, cwd=Path.cwd(), env=os.environ, fls=work / "picture.fls", root=root,
                source_lines=lines, source_name=args.deck,
            )
        except UserError as exc:
            print(exc)
            return GUARD_EXIT
        if proc.returncode != 0:
            print(proc.stdout)
            return proc.returncode
        Path(args.pdf).write_bytes((work / "picture.pdf").read_bytes())
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m lecturemedia.decks.tex_guard", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["picture"])
    parser.add_argument("--root", required=True, help="the project's folder")
    parser.add_argument("--deck", required=True, help="the deck, as shown in errors (slides_src/x.md)")
    parser.add_argument("--pdf", required=True, help="where the picture's PDF goes")
    raise SystemExit(_picture(parser.parse_args()))


if __name__ == "__main__":
    main()
