# Lecture media generator: course sources -> traces -> videos -> slides.
# `make help` lists the targets. Tools and settings are overridable: make QUALITY=final.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SECONDARY:
.SUFFIXES:
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS += --no-builtin-rules -j$(JOBS)

PYTHON  ?= python3
VENV    ?= .venv
QUALITY ?= preview
PY      := $(VENV)/bin/python
PKG     := scripts/lecturemedia

DECKS   := $(patsubst slides_src/%.md,%,$(wildcard slides_src/*.md))
TRACES  := $(filter-out __init__ __main__ params schema store,$(basename $(notdir $(wildcard $(PKG)/traces/*.py))))
SETUP   := build/.setup/system $(VENV)/.installed
FILTERS := $(wildcard $(PKG)/filters/*.lua)

.DEFAULT_GOAL := all
.PHONY: all slides handouts html traces videos setup test lint bench clean help

## all: every deck as slides (PDF), handouts (PDF) and HTML
all: slides handouts html

## slides: build/slides/<deck>.pdf for every slides_src/<deck>.md
slides: $(DECKS:%=build/slides/%.pdf)

## handouts: build/handouts/<deck>.pdf: the slides with the posters and no media links
handouts: $(DECKS:%=build/handouts/%.pdf)

## html: build/html/<deck>.html, reveal.js with the videos inline, working offline
html: $(DECKS:%=build/html/%.html)

## traces: the PyTorch computations, build/traces/<name>.json
traces: $(TRACES:%=build/traces/%.json)

## setup: install what is missing (Debian packages, then .venv)
setup: $(SETUP)

build/.setup/system: scripts/setup.sh
	scripts/setup.sh system
	mkdir -p $(@D) && touch $@

$(VENV)/.installed: pyproject.toml | build/.setup/system
	PYTHON=$(PYTHON) VENV=$(VENV) scripts/setup.sh python
	touch $@

# ---- course.yaml, split so that each stage depends on its own part only
build/config/.split: course.yaml $(PKG)/config.py $(PKG)/traces/params.py | $(SETUP)
	$(PY) -m lecturemedia.config $< $(@D)
	touch $@
build/config/course.json: build/config/.split ;
build/config/trace-%.json: build/config/.split ;

# ---- traces: the generator runs when it or its parameters change; the .json is rewritten
# only when its bytes change, so the videos and decks that read it rebuild only then.
build/traces/.%.stamp: $(PKG)/traces/%.py $(PKG)/traces/schema.py $(PKG)/traces/store.py \
		build/config/trace-%.json | $(SETUP)
	$(PY) -m lecturemedia.traces $*
	touch $@
build/traces/%.json: build/traces/.%.stamp
	@[ -f $@ ] || $(PY) -m lecturemedia.traces $*

# ---- videos: one Manim scene per trace; QUALITY=preview (480p15) | final (1080p60) | test
VIDEO_DIR := build/videos$(if $(filter-out preview,$(QUALITY)),/$(QUALITY))
SCENES    := $(filter-out common,$(patsubst scenes/%.py,%,$(wildcard scenes/*.py)))

## videos: build/videos/<scene>.mp4 and its poster .png (QUALITY=final: build/videos/final/)
videos: $(SCENES:%=$(VIDEO_DIR)/%.mp4)

$(VIDEO_DIR)/%.mp4 $(VIDEO_DIR)/%.png: scenes/%.py scenes/common.py build/traces/%.json $(PKG)/video.py | $(SETUP)
	$(PY) -m lecturemedia.video $* --quality $(QUALITY)

# ---- decks: template -> Markdown -> LaTeX -> PDF
build/deps/%.d: slides_src/%.md $(PKG)/templating.py $(PKG)/deck.py | $(SETUP)
	$(PY) -m lecturemedia.deck deps $*

build/md/%.md: slides_src/%.md build/config/course.json $(PKG)/templating.py $(PKG)/deck.py | $(SETUP)
	$(PY) -m lecturemedia.deck md $*

DECK_INPUTS := build/config/course.json slides_src/templates/preamble.tex $(FILTERS) \
	$(PKG)/deck.py $(PKG)/pandoc.py $(PKG)/latex.py

build/slides/%.pdf: build/md/%.md $(DECK_INPUTS) | $(SETUP)
	$(PY) -m lecturemedia.deck pdf $*

build/handouts/%.pdf: build/md/%.md $(DECK_INPUTS) | $(SETUP)
	$(PY) -m lecturemedia.deck handout $*

HTML_ASSETS := build/html/reveal.js/.copied build/html/revealjs.css
build/html/%.html: build/md/%.md build/config/course.json $(FILTERS) $(PKG)/html.py $(PKG)/pandoc.py \
		| $(SETUP) $(HTML_ASSETS)
	$(PY) -m lecturemedia.deck html $*

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

build/html/reveal.js/.copied: node_modules/.package-lock.json
	rm -rf $(@D) && mkdir -p $(@D)
	cp -r node_modules/reveal.js/dist node_modules/reveal.js/plugin node_modules/reveal.js/LICENSE $(@D)/
	touch $@

build/html/revealjs.css: slides_src/templates/revealjs.css
	$(copy)

# ---- each output folder gets its own copy of the media it links, so that it can be
# copied away whole. Which quality it gets follows QUALITY (recorded in build/.quality).
QUALITY_STAMP := build/.quality
$(shell mkdir -p build && [ "$$(cat $(QUALITY_STAMP) 2>/dev/null)" = "$(QUALITY)" ] || echo "$(QUALITY)" > $(QUALITY_STAMP))

define copy
	@mkdir -p $(@D)
	cp $< $@.tmp && mv $@.tmp $@
endef
build/slides/videos/%: $(VIDEO_DIR)/% $(QUALITY_STAMP)
	$(copy)
build/handouts/videos/%: $(VIDEO_DIR)/% $(QUALITY_STAMP)
	$(copy)
build/html/videos/%: $(VIDEO_DIR)/% $(QUALITY_STAMP)
	$(copy)

ifeq ($(filter clean help setup test lint,$(MAKECMDGOALS)),)
-include $(DECKS:%=build/deps/%.d)
endif

## test: run the test suite (sets up first)
test: $(SETUP)
	$(PY) -m pytest

## lint: ruff over the code
lint: $(SETUP)
	$(VENV)/bin/ruff check scripts scenes tests

## bench: time the builds against the bare tools, in a throw-away copy (BENCH="slides traces videos")
bench: $(SETUP)
	$(PY) -u scripts/bench.py $(BENCH)

## clean: remove build/
clean:
	rm -rf build

## help: this list
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  /'
