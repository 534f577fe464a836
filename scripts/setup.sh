#!/usr/bin/env bash
# Install what this project needs and is missing. Silent, and no apt-get, when nothing is.
#   scripts/setup.sh system   Debian packages (pandoc, TeX Live, Cairo/Pango headers, ...)
#   scripts/setup.sh python   the .venv with the pinned Python dependencies
#   scripts/setup.sh pptx     what only `make pptx` needs (ffmpeg, to burn captions into the videos; the Carlito font)
#   scripts/setup.sh lecture  what only `make lecture` needs (ffmpeg; espeak-ng, the Spanish voice)
#   scripts/setup.sh test     what only the tests need (Chromium, to load the HTML decks; Impress, the PPTX; Xvfb, its slide show)
set -euo pipefail

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

has() { command -v "$1" >/dev/null 2>&1; }
tex_has() { has kpsewhich && [ -n "$(kpsewhich "$1" 2>/dev/null)" ]; }
pc_has() { has pkg-config && pkg-config --exists "$1" 2>/dev/null; }
gst_has() { compgen -G "/usr/lib/*/gstreamer-1.0/libgst$1.so" >/dev/null; }   # a GStreamer plugin

system() {
  local missing=()
  has pandoc                 || missing+=(pandoc)
  has pdflatex && tex_has beamer.cls || missing+=(texlive-latex-recommended)
  tex_has tikz.sty           || missing+=(texlive-pictures)
  tex_has spanish.ldf        || missing+=(texlive-lang-spanish)
  tex_has lmodern.sty        || missing+=(lmodern)
  tex_has standalone.cls     || missing+=(texlive-latex-extra)
  tex_has ulem.sty           || missing+=(texlive-plain-generic)   # strikeout ~~x~~, soul
  has dvisvgm                || missing+=(dvisvgm)
  has pdftoppm               || missing+=(poppler-utils)
  has pkg-config             || missing+=(pkg-config)
  pc_has cairo               || missing+=(libcairo2-dev)
  pc_has pangocairo          || missing+=(libpango1.0-dev)
  has gcc                    || missing+=(gcc)
  has npm                    || missing+=(npm)
  "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
  "$PYTHON" -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
                             || missing+=(python3-dev)
  [ ${#missing[@]} -eq 0 ] && return 0
  apt_install "${missing[@]}"
}

apt_install() {
  local missing=("$@") sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    has sudo || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

python() {
  if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  echo "setup: installing the Python dependencies into $VENV (torch is the CPU build)"
  # (a machine's pip.conf may name local indexes that do not exist: pip's warnings about them are noise)
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -e '.[dev]' \
    2> >(grep -v "^WARNING: Location 'file:" >&2)
}

# What only the PowerPoint decks need: ffmpeg, for the copy of each video with its captions burned in.
pptx_tools() {
  local missing=()
  has ffmpeg || missing+=(ffmpeg)
  # Carlito: Calibri's metric twin, for the fit of the text (decks/pptx/fit.py) and Impress's rendering
  [ -n "$(fc-list Carlito 2>/dev/null)" ] || missing+=(fonts-crosextra-carlito)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# What only the narrated lectures need: ffmpeg to encode them, espeak-ng's offline Spanish voice.
# (piper's better voice is not installed here: it needs a model file the instructor brings; see README.)
lecture_tools() {
  local missing=()
  has ffmpeg || missing+=(ffmpeg)
  has espeak-ng || missing+=(espeak-ng)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# What only the tests need: a browser to load the HTML decks as a person would, and
# LibreOffice Impress to render the PowerPoint decks and to play their movies in its slide show
# (under Xvfb, driven by xdotool; GStreamer's mp4 demuxer, H.264 decoder and X video sink).
test_tools() {
  local missing=()
  has chromium || has chromium-browser || missing+=(chromium)
  has soffice || missing+=(libreoffice-impress)
  has Xvfb || missing+=(xvfb)
  has xdotool || missing+=(xdotool)
  gst_has isomp4 || missing+=(gstreamer1.0-plugins-good)
  gst_has libav || missing+=(gstreamer1.0-libav)
  gst_has ximagesink || missing+=(gstreamer1.0-x)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

case "${1:-}" in
  system) system ;;
  python) python ;;
  pptx) pptx_tools ;;
  lecture) lecture_tools ;;
  test) test_tools ;;
  *) echo "usage: scripts/setup.sh system|python|pptx|lecture|test" >&2; exit 2 ;;
esac
