"""Run pdflatex as few times as needed and turn its failures into a few readable lines."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..errors import UserError
from ..tools import require
from . import tex_guard

# Files whose content, if changed by a pass, means another pass is needed.
AUX_SUFFIXES = (".aux", ".nav", ".snm", ".toc", ".out", ".vrb")
MAX_PASSES = 4
RESTORE_TEXXET = r"\begingroup\edef\x{\endgroup\everyjob{\the\everyjob\TeXXeTstate=\the\TeXXeTstate\relax}}\x" "\n"
TEX_ENV = {**os.environ, "max_print_line": "10000", "error_line": "254", "half_error_line": "238"}

UNICODE_ERROR = re.compile(r"Unicode character (.) \(U\+([0-9A-F]+)\)")
HINTS = {
    "Undefined control sequence": "a LaTeX command is misspelt or its package is not loaded",
    "Unicode character": "type it as math ($\\eta$) or add it to slides_src/templates/preamble.tex "
    "with \\newunicodechar",
    "Missing $ inserted": "a math symbol is outside $…$",
}
MISSING_FILE = re.compile(r"File `([^']+)' not found")
# The Debian package that holds a LaTeX package pandoc's templates or decks commonly load.
TEX_PACKAGES = {
    "texlive-plain-generic": "ulem soul iftex ifxetex ifluatex",
    "texlive-latex-extra": "xurl footnotehyper footnote bookmark csquotes standalone mylatexformat "
    "newunicodechar pgfplots tcolorbox minted fvextra framed mdframed enumitem embedfile",
    "texlive-latex-recommended": "beamer upquote microtype parskip xcolor hyperref fancyvrb listings "
    "longtable booktabs caption multimedia etoolbox",
    "texlive-fonts-recommended": "mathptmx helvet courier",
    "texlive-fonts-extra": "fontawesome fontawesome5 inconsolata sourcesanspro",
    "texlive-science": "siunitx algorithm2e algorithmicx algorithms",
    "texlive-luatex": "selnolig",
    "texlive-pictures": "tikz pgf tikz-cd",
    "texlive-lang-spanish": "spanish",
}
DEBIAN_FOR = {name: pkg for pkg, names in TEX_PACKAGES.items() for name in names.split()}


def missing_file_hint(filename: str) -> str:
    """What to do about pdflatex's `File 'x' not found`: a package to install, or a file to add."""
    stem, _, ext = filename.rpartition(".")
    if ext in ("sty", "cls", "def", "ldf", "fd", "clo"):
        package = DEBIAN_FOR.get(stem)
        if package:
            return f"{filename} is in the Debian package {package}: apt-get install {package}"
        return f"{filename} is a LaTeX package that is not installed; `apt-file search {filename}` names its package"
    return (
        f"the deck names {filename}, which is not there: a deck names its images and inputs relative to "
        "slides_src/, anywhere in the project"
    )


@dataclass
class LatexResult:
    pdf: Path
    passes: int


def _aux_digest(job_dir: Path, job: str) -> str:
    digest = hashlib.sha256()
    for suffix in AUX_SUFFIXES:
        f = job_dir / f"{job}{suffix}"
        if f.exists():
            digest.update(suffix.encode() + f.read_bytes())
    return digest.hexdigest()


def compile_pdf(
    tex: Path,
    job_dir: Path,
    cwd: Path,
    source_lines: list[str],
    source_name: str,
    inputs: tuple[Path, ...] = (),
) -> LatexResult:
    """Compile tex into job_dir/<job>.pdf; `cwd` is the output's folder (the posters it shows),
    `inputs` more folders where pdflatex finds what the document names (images made for it).

    The aux files stay in job_dir between builds: an edit that does not move any frame
    numbers or sections then needs one pass only. Every run reads only the project's files
    and TeX's own (tex_guard): one that reads anything else is refused, and leaves no PDF.
    """
    pdflatex = require("pdflatex")
    job = tex.stem
    job_dir.mkdir(parents=True, exist_ok=True)
    (job_dir / f"{job}.pdf").unlink(missing_ok=True)
    before = _aux_digest(job_dir, job)
    fmt = _preamble_format(pdflatex, tex, job_dir, source_lines, source_name)
    # pdflatex runs in the deck's folder, so its images and inputs are found as bare pandoc
    # finds them (`./x.png` too); the posters beside the output are found through TEXINPUTS.
    folders = [cwd, paths.SLIDES_SRC, *inputs]
    env = {
        **TEX_ENV,
        "TEXFORMATS": f"{job_dir.resolve()}:",
        "TEXINPUTS": "".join(f"{folder.resolve()}:" for folder in folders),
    }

    def run_pass() -> subprocess.CompletedProcess[str]:
        return tex_guard.run(
            [
                pdflatex,
                "-no-shell-escape",
                "-interaction=nonstopmode",
                "-halt-on-error",
                "-file-line-error",
                *([f"-fmt={fmt}"] if fmt else []),
                f"-output-directory={job_dir.resolve()}",
                str(tex.resolve()),
            ],
            cwd=paths.SLIDES_SRC,
            env=env,
            fls=job_dir / f"{job}.fls",
            root=paths.ROOT,
            source_lines=source_lines,
            source_name=source_name,
        )

    for n in range(1, MAX_PASSES + 1):
        proc = run_pass()
        log = job_dir / f"{job}.log"
        if proc.returncode != 0 and fmt:
            # The format only saves time: a document it cannot take (babel's bidi state, say)
            # is compiled without it, and if that works, this preamble is not dumped again.
            # If it fails too, the error is the document's and the format stays.
            with_format, fmt = fmt, None
            proc = run_pass()
            if proc.returncode == 0:
                (job_dir / f"{with_format}.unusable").touch()
                (job_dir / f"{with_format}.fmt").unlink()
            else:
                fmt = with_format
        if proc.returncode != 0:
            raise UserError(explain_failure(log, tex, source_lines, source_name))
        after = _aux_digest(job_dir, job)
        if after == before:
            return LatexResult(job_dir / f"{job}.pdf", n)
        before = after
    return LatexResult(job_dir / f"{job}.pdf", MAX_PASSES)


def _preamble_format(
    pdflatex: str, tex: Path, job_dir: Path, source_lines: list[str], source_name: str
) -> str | None:
    """A format with the deck's preamble already loaded (mylatexformat), made once per
    preamble text: it saves loading beamer and TikZ on every pass. None if it cannot be made.
    Guarded as every run is: a preamble that reads outside the project is refused.
    """
    preamble = tex.read_text(encoding="utf-8").split("\\begin{document}", 1)[0]
    name = "preamble-" + hashlib.sha256(preamble.encode()).hexdigest()[:16]
    if (job_dir / f"{name}.fmt").exists():
        return name
    if (job_dir / f"{name}.unusable").exists():
        return None
    for old in job_dir.glob("preamble-*"):
        old.unlink()
    # e-TeX turns TeX--XeT off when it dumps a format, and a preamble may have turned it on
    # (babel's bidi=default, in every pandoc deck with a `lang`): the format turns it back on
    # as the preamble left it, at the start of every run that loads it.
    dumped = job_dir / f"{name}.tex"
    dumped.write_text(preamble + "\n" + RESTORE_TEXXET + "\\begin{document}\n\\end{document}\n", encoding="utf-8")
    proc = tex_guard.run(
        [
            pdflatex,
            "-ini",
            "-no-shell-escape",
            "-interaction=nonstopmode",
            "-halt-on-error",
            f"-jobname={name}",
            "&pdflatex",
            "mylatexformat.ltx",
            str(dumped.resolve()),
        ],
        cwd=job_dir,
        env={**TEX_ENV, "TEXINPUTS": f"{paths.SLIDES_SRC.resolve()}:"},
        fls=job_dir / f"{name}.fls",
        root=paths.ROOT,
        source_lines=source_lines,
        source_name=source_name,
    )
    if proc.returncode != 0 or not (job_dir / f"{name}.fmt").exists():
        return None
    return name


def explain_failure(log: Path, tex: Path, source_lines: list[str], source_name: str) -> str:
    """A few lines: the LaTeX message, where it comes from in the deck, a hint, the log."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    lines = text.splitlines()
    idx = next((i for i, line in enumerate(lines) if line.startswith("!") or re.match(r"^\S+:\d+: ", line)), None)
    if idx is None:
        return f"pdflatex failed on {paths.rel(tex)}; full log: {paths.rel(log)}"
    message = re.sub(r"^(!|\S+:\d+:)\s*", "", lines[idx]).strip()
    # TeX shows where it stopped: "l.123 text" and, when the error came from a macro's
    # argument (a beamer frame is read whole), a "<recently read> \cs" line before it.
    context = first_context = ""
    for line in lines[idx + 1 : idx + 12]:
        m = re.match(r"^l\.\d+ (.*)$", line)
        if not first_context and line.strip():
            first_context = re.sub(r"^(<[^>]+>|l\.\d+)\s*", "", line).strip()
        if m:
            context = m.group(1).strip()
            break
    out = [f"LaTeX error: {message}"]

    uni = UNICODE_ERROR.search(text)
    missing = MISSING_FILE.search(message)
    needle = uni.group(1) if uni else _needle(first_context or context)
    if missing and _find_in_source(missing.group(1), source_lines):
        needle = missing.group(1)
    hit = _find_in_source(needle, source_lines) if needle else None
    if hit is None and context and not uni:
        hit, needle = _find_in_source(context, source_lines), context
    if uni:
        where = f"{source_name}:{hit[0]}" if hit else source_name
        out = [
            f"{where}: the character {uni.group(1)} (U+{uni.group(2)}) cannot be typeset by pdflatex",
        ]
    elif hit:
        out.append(f"  in {source_name}:{hit[0]}:")
    if hit:
        out.append(f"    {hit[1].rstrip()}")
        col = hit[1].find(needle)
        out.append("    " + " " * max(col, 0) + "^")
    elif context:
        out.append(f"  near: {context}")
    hint = missing_file_hint(missing.group(1)) if missing else next((h for k, h in HINTS.items() if k in message), None)
    if hint:
        out.append(f"  hint: {hint}")
    out.append(f"  full log: {paths.rel(log)}")
    return "\n".join(out)


def _needle(context: str) -> str:
    """The offending LaTeX token: the last control sequence in the error context."""
    cs = re.findall(r"\\[A-Za-z@]+", context)
    return cs[-1] if cs else context[-40:]


def _find_in_source(needle: str, source_lines: list[str]) -> tuple[int, str] | None:
    for number, line in enumerate(source_lines, 1):
        if needle and needle in line:
            return number, line
    return None
