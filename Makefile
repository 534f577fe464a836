# Lecture media generator: course sources -> traces -> videos -> slides.
# `make help` lists the targets. Tools and settings are overridable: make QUALITY=final.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SECONDARY:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

PYTHON  ?= python3
VENV    ?= .venv
QUALITY ?= preview
PY      := $(VENV)/bin/python
PKG     := scripts/lecturemedia

DECKS   := $(patsubst slides_src/%.md,%,$(wildcard slides_src/*.md))
TRACES  := autograd_graph sgd_x2 two_layer_net
SETUP   := build/.setup/system $(VENV)/.installed
FILTERS := $(wildcard $(PKG)/filters/*.lua)

.DEFAULT_GOAL := all
.PHONY: all slides handouts html traces videos setup test lint bench clean help

## all: every deck as slides (PDF)
all: slides

## slides: build/slides/<deck>.pdf for every slides_src/<deck>.md
slides: $(DECKS:%=build/slides/%.pdf)

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

# ---- traces
build/traces/%.json: $(PKG)/traces/%.py $(PKG)/traces/schema.py $(PKG)/traces/store.py build/config/trace-%.json | $(SETUP)
	$(PY) -m lecturemedia.traces $*

# ---- decks: template -> Markdown -> LaTeX -> PDF
build/deps/%.d: slides_src/%.md $(PKG)/templating.py $(PKG)/deck.py | $(SETUP)
	$(PY) -m lecturemedia.deck deps $*

build/md/%.md: slides_src/%.md build/config/course.json $(PKG)/templating.py | $(SETUP)
	$(PY) -m lecturemedia.deck md $*

DECK_INPUTS := build/config/course.json slides_src/templates/preamble.tex $(FILTERS) \
	$(PKG)/deck.py $(PKG)/pandoc.py $(PKG)/latex.py

build/slides/%.pdf: build/md/%.md $(DECK_INPUTS) | $(SETUP)
	$(PY) -m lecturemedia.deck pdf $*

ifeq ($(filter clean help setup test lint,$(MAKECMDGOALS)),)
-include $(DECKS:%=build/deps/%.d)
endif

## test: run the test suite (sets up first)
test: $(SETUP)
	$(PY) -m pytest

## lint: ruff over the code
lint: $(SETUP)
	$(VENV)/bin/ruff check scripts scenes tests

## bench: time the builds against the bare tools (in a throw-away copy)
bench: $(SETUP)
	$(PY) scripts/bench.py

## clean: remove build/
clean:
	rm -rf build

## help: this list
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  /'
