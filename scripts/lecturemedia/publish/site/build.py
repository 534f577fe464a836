"""The steps of `make site`, one per page, each run by Make when what it shows changed.

python -m lecturemedia.publish.site.build deps NAME       build/site/.deps/NAME.d: the labs a lecture names, for Make
python -m lecturemedia.publish.site.build notebook NAME   build/site/labs/NAME.html from labs/NAME.ipynb (run first)
python -m lecturemedia.publish.site.build lecture NAME    build/site/lectures/NAME.html, its files and its zip
python -m lecturemedia.publish.site.build index DECK...   build/site/index.html, the lectures in the course's order
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from ... import console, outputs, paths
from ...errors import UserError, friendly_main
from . import archive, copies, lectures, notebooks, order, pages, tracks

SITE = copies.SITE
LECTURE = paths.BUILD / "lecture"  # what `make lecture` makes: <deck>.mp4, .vtt, .chapters.vtt, .png (.srt)


def course_facts() -> dict[str, object]:
    course_file = paths.CONFIG_DIR / "course.json"
    if not course_file.is_file():
        raise UserError(f"{paths.rel(course_file)} is missing; run `make site` (it is made from course.yaml)")
    facts: dict[str, object] = json.loads(course_file.read_text(encoding="utf-8"))
    return facts


def common(facts: dict[str, object]) -> dict[str, object]:
    """What every page shows: the course, and the language of its titles where it is not Spanish."""
    lang = str(facts.get("lang") or "es")
    author = facts.get("author")
    return {
        "course": facts,
        "course_name": str(facts.get("course") or paths.ROOT.name),
        "author": ", ".join(map(str, author)) if isinstance(author, list) else str(author or ""),
        "content_lang": "" if lang.split("-")[0] == "es" else lang,
        "css": (pages.ASSETS / "site.css").read_text(encoding="utf-8"),
    }


def write_deps(name: str) -> None:
    lecture = lectures.read(name)
    labs = " ".join(f"build/site/labs/{lab}.html" for lab in lecture.labs)
    # Always written (Make reads it again once, after the deck's Markdown changed).
    rule = f"build/site/lectures/{name}.html: {labs}".rstrip() + "\n"
    paths.write_atomic(paths.BUILD / "deps" / "site" / f"{name}.d", rule)


def build_notebook(name: str) -> None:
    start = time.monotonic()
    source = lectures.lab_source(name)
    if not source.is_file():
        raise UserError(f"{paths.rel(source)} is missing; a deck names it (labs/{name}.ipynb)")
    target = SITE / "labs" / f"{name}.html"
    outputs.remove(target)
    converted = notebooks.convert(source)
    page = pages.render(
        "notebook.html.j2", **common(course_facts()), notebook=converted, ipynb=f"{name}.ipynb", name=name
    )
    copies.copy(source, target.with_suffix(".ipynb"))
    outputs.publish(target, page)
    console.product(target, f"run and converted, {time.monotonic() - start:.1f} s")


def _lecture_files(name: str, folder: Path) -> dict[str, Path]:
    """The narrated lecture and the deck's outputs, copied into build/site/lectures/<name>/."""
    wanted = {
        "video": (LECTURE / f"{name}.mp4", f"{name}.mp4"),
        "captions": (LECTURE / f"{name}.vtt", f"{name}.vtt"),
        "chapters": (LECTURE / f"{name}.chapters.vtt", f"{name}.chapters.vtt"),
        "poster": (LECTURE / f"{name}.png", f"{name}.png"),
        "slides": (paths.deck_output("pdf", name), f"{name}-diapositivas.pdf"),
        "handout": (paths.deck_output("handout", name), f"{name}-apuntes.pdf"),
        "pptx": (paths.deck_output("pptx", name), f"{name}.pptx"),
    }
    if (LECTURE / f"{name}.srt").is_file():
        wanted["srt"] = (LECTURE / f"{name}.srt", f"{name}.srt")
    return {key: copies.copy(src, folder / dest) for key, (src, dest) in wanted.items()}


def build_lecture(name: str) -> None:
    start = time.monotonic()
    lecture = lectures.read(name)
    target = SITE / "lectures" / f"{name}.html"
    folder = SITE / "lectures" / name
    outputs.remove(target)
    files = _lecture_files(name, folder)
    deck_files = copies.deck_html(name)
    reveal = sorted(p for p in (SITE / "decks" / "reveal.js").rglob("*") if p.is_file())
    labs = {lab: SITE / "labs" / f"{lab}.html" for lab in lecture.labs}
    lab_titles = {lab: notebooks.read_title(lectures.lab_source(lab)) for lab in lecture.labs}
    for lab, page in labs.items():
        if not page.is_file():
            raise UserError(f"{paths.rel(page)} is missing; run `make site` (it runs labs/{lab}.ipynb)")
    top = name
    members: list[tuple[Path | bytes, str]] = [(path, f"{top}/{path.name}") for path in files.values()]
    members += [(p, f"{top}/html/{p.relative_to(SITE / 'decks')}") for p in [*deck_files, *reveal]]
    members += [(SITE / "decks" / "revealjs.css", f"{top}/html/revealjs.css")]
    for lab, page in labs.items():
        members += [(alone(page), f"{top}/labs/{page.name}"), (page.with_suffix(".ipynb"), f"{top}/labs/{lab}.ipynb")]
    bundle = archive.write(folder / f"{name}.zip", members)
    animations = []
    for a in lecture.animations:
        vtt = SITE / "decks" / "videos" / f"{a.name}.vtt"
        animations.append(
            {
                "name": a.name,
                "caption": a.caption or tracks.first_cue(vtt),
                "mp4": vtt.with_suffix(".mp4"),
                "poster": f"../decks/videos/{a.name}.png",
                "track": tracks.data_url(vtt),
            }
        )
    page = pages.render(
        "lecture.html.j2",
        **common(course_facts()),
        lecture=lecture,
        files=files,
        zip=bundle,
        deck=SITE / "decks" / f"{name}.html",
        animations=animations,
        labs=labs,
        lab_titles=lab_titles,
        captions=tracks.data_url(files["captions"]),
        chapters=tracks.data_url(files["chapters"]),
        script=(pages.ASSETS / "lecture.js").read_text(encoding="utf-8"),
    )
    outputs.publish(target, page)
    console.product(target, f"{time.monotonic() - start:.1f} s")


def alone(page: Path) -> bytes:
    """A lab page as the zip holds it: the zip has no index, so its trail's link to it is plain text."""
    html = page.read_text(encoding="utf-8")
    return re.sub(r'<a href="\.\./index\.html">(.*?)</a>', r"<span>\1</span>", html, count=1).encode("utf-8")


def build_index(decks: list[str]) -> None:
    target = SITE / "index.html"
    names = order.course_order(decks)
    page = pages.render("index.html.j2", **common(course_facts()), lectures=[lectures.read(n) for n in names])
    if outputs.publish(target, page, only_if_changed=True):
        console.product(target, f"{len(names)} lecture{'' if len(names) == 1 else 's'}")


@friendly_main
def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m lecturemedia.publish.site.build",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("step", choices=["deps", "notebook", "lecture", "index"])
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    if args.step == "index":
        build_index(args.names)
        return
    if len(args.names) != 1:
        parser.error(f"{args.step} takes one name")
    {"deps": write_deps, "notebook": build_notebook, "lecture": build_lecture}[args.step](args.names[0])


if __name__ == "__main__":
    main()
