"""A movie that plays on a click on it, in PowerPoint and in LibreOffice Impress.

python-pptx's `add_movie` writes only the movie's media node (`p:video`, started by nothing).
PowerPoint plays such a movie on a click through its own media controls; LibreOffice Impress 7.4
has none: a click on the movie turns the page, and the movie starts by itself the moment its slide
appears (Impress plays every media shape of a shown slide, whatever the timing says). So each
slide with movies gets the timing PowerPoint writes for a movie set to start "when clicked on":

- an interactive sequence per movie, triggered by a click on the movie itself
  (`p:cond evt="onClick"` with the movie's `p:spTgt`), whose one effect is the media command
  `togglePause`: the first click plays, the next pauses;
- one "with previous" Stop effect per movie at the start of the slide's main sequence (the first
  click group, begun by the sequence itself: `evt="onBegin"`), so that Impress stops the movie it
  started by itself and shows the poster until the click. In PowerPoint the movie is not playing
  then and a Stop does nothing.
"""

from __future__ import annotations

from lxml import etree

P = "http://schemas.openxmlformats.org/presentationml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
PRESET_PAUSE, PRESET_STOP = "2", "3"  # PowerPoint's mediacall presets: 1 play, 2 pause, 3 stop


def p(tag: str) -> str:
    return f"{{{P}}}{tag}"


def _el(tag: str, parent=None, **attrs: str):
    el = etree.Element(p(tag)) if parent is None else etree.SubElement(parent, p(tag))
    for key, value in attrs.items():
        el.set(key, value)
    return el


class _Ids:
    """The slide's next free `p:cTn` ids (they must be unique within a slide's timing)."""

    def __init__(self, timing) -> None:
        self.next = max((int(c.get("id", "0")) for c in timing.iter(p("cTn"))), default=0) + 1

    def __call__(self) -> str:
        self.next += 1
        return str(self.next - 1)


def _target(parent, spid: str) -> None:
    _el("spTgt", _el("tgtEl", parent), spid=spid)


def _cond(parent, **attrs: str):
    return _el("cond", parent, **attrs)


def _media_effect(parent, ids: _Ids, spid: str, command: str, preset: str, node_type: str) -> None:
    """par > cTn(effect) > cmd: PowerPoint's three nested `p:par` levels end in this one."""
    ctn = _el("cTn", _el("par", parent), id=ids(), presetID=preset, presetClass="mediacall", presetSubtype="0")
    ctn.set("fill", "hold")
    ctn.set("nodeType", node_type)
    _cond(_el("stCondLst", ctn), delay="0")
    cmd = _el("cmd", _el("childTnLst", ctn), type="call", cmd=command)
    behaviour = _el("cBhvr", cmd)
    _el("cTn", behaviour, id=ids(), dur="1", fill="hold")
    _target(behaviour, spid)


def _group(parent, ids: _Ids):
    """A `p:par` begun at once (delay 0) inside `parent`; returns its childTnLst."""
    ctn = _el("cTn", _el("par", parent), id=ids(), fill="hold")
    _cond(_el("stCondLst", ctn), delay="0")
    return _el("childTnLst", ctn)


def _interactive_sequence(ids: _Ids, spid: str):
    """A click on the movie toggles its pause (PowerPoint's "start: when clicked on")."""
    seq = _el("seq", concurrent="1", nextAc="seek")
    ctn = _el("cTn", seq, id=ids(), restart="whenNotActive", fill="hold", evtFilter="cancelBubble")
    ctn.set("nodeType", "interactiveSeq")
    _target(_cond(_el("stCondLst", ctn), evt="onClick", delay="0"), spid)
    _el("rtn", _el("endSync", ctn, evt="end", delay="0"), val="all")
    click = _el("childTnLst", ctn)
    _media_effect(_group(_group(click, ids), ids), ids, spid, "togglePause", PRESET_PAUSE, "clickEffect")
    _target(_cond(_el("nextCondLst", seq), evt="onClick", delay="0"), spid)
    return seq


def _main_sequence(root_children, ids: _Ids):
    """The slide's main sequence (pandoc's builds of incremental lists are in it), made if missing."""
    for ctn in root_children.iterfind(f"{p('seq')}/{p('cTn')}[@nodeType='mainSeq']"):
        return ctn
    seq = _el("seq", concurrent="1", nextAc="seek")
    ctn = _el("cTn", seq, id=ids(), dur="indefinite", nodeType="mainSeq")
    _el("childTnLst", ctn)
    for kind, evt in (("prevCondLst", "onPrev"), ("nextCondLst", "onNext")):
        _el("sldTgt", _el("tgtEl", _cond(_el(kind, seq), evt=evt, delay="0")))
    root_children.insert(0, seq)
    return ctn


def _stop_at_start(main_ctn, ids: _Ids, spids: list[str]) -> None:
    """A first click group of the main sequence that begins with it and stops each movie."""
    children = main_ctn.find(p("childTnLst"))
    if children is None:
        children = _el("childTnLst", main_ctn)
    ctn = _el("cTn", id=ids(), fill="hold")
    conds = _el("stCondLst", ctn)
    _cond(conds, delay="indefinite")
    _el("tn", _cond(conds, evt="onBegin", delay="0"), val=main_ctn.get("id"))
    group = _group(_el("childTnLst", ctn), ids)
    for spid in spids:
        _media_effect(group, ids, spid, "stop", PRESET_STOP, "withEffect")
    par = etree.Element(p("par"))
    par.append(ctn)
    children.insert(0, par)


def click_to_play(slide_element) -> int:
    """Give each movie of a slide (python-pptx's `p:pic` with `a:videoFile`, its `p:video` node
    already in the timing) a click on it that plays it; returns how many movies."""
    spids = [
        pic.find(f"{p('nvPicPr')}/{p('cNvPr')}").get("id")
        for pic in slide_element.iter(p("pic"))
        if pic.find(f".//{{{A}}}videoFile") is not None
    ]
    if not spids:
        return 0
    timing = slide_element.find(p("timing"))
    root_children = timing.find(f"{p('tnLst')}/{p('par')}/{p('cTn')}[@nodeType='tmRoot']/{p('childTnLst')}")
    ids = _Ids(timing)
    main = _main_sequence(root_children, ids)
    _stop_at_start(main, ids, spids)
    after_main = list(root_children).index(main.getparent()) + 1
    for offset, spid in enumerate(spids):
        root_children.insert(after_main + offset, _interactive_sequence(ids, spid))
    return len(spids)
