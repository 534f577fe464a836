# Lecture media generator: course.yaml -> traces -> videos -> decks (PDF, handout, HTML).
# `make help` lists the targets. V=1 shows every command; JOBS=1 runs one job at a time.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules --no-print-directory

PYTHON  ?= python3
VENV    ?= .venv
QUALITY ?= preview
# the cores this process may use; nproc also obeys OMP_NUM_THREADS, which a shell for numerical
# work (or Dask, in a process that started a local cluster) sets to 1: that is not make's limit
JOBS    ?= $(shell env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || echo 2)
PY      := $(VENV)/bin/python
PKG     := scripts/lecturemedia
# Python's bytecode caches are written (scripts/**/__pycache__, and the tests', ignored by git)
# even where PYTHONDONTWRITEBYTECODE is set: a build runs hundreds of short engine processes, a
# test run a worker per core and one more, each of which would compile the same modules again.
# The course's folders get none (the loaders of its scenes and computations see to it).
unexport PYTHONDONTWRITEBYTECODE
# computations and scenes run in a process with PyTorch and Manim imported (LECTURE_WARM=0: cold)
WARM    := $(PY) -m lecturemedia.animations.warm_start
Q       := $(if $(filter-out 0,$(V)),,@)

# Goals that neither take the lock nor build anything themselves. Before the inner make,
# the outer one removes every product that is not what the build wrote (outputs sweep).
UNLOCKED := help watch
GOALS    := $(or $(MAKECMDGOALS),all)
ifeq ($(filter-out $(UNLOCKED),$(GOALS)),)
LECTURE_INNER := 1
else ifneq ($(filter watch,$(GOALS)),)
$(error make watch runs alone (it builds what each save touches): run `make watch` by itself)
endif

ifndef LECTURE_INNER
# ---- the outer make: one build at a time in this folder (build/.lock), and the error of a
# failed job repeated last, where the instructor looks. The inner make does the work.
export LECTURE_ERRORS := build/logs/errors
.PHONY: $(GOALS)
$(firstword $(GOALS)):
	@mkdir -p $(LECTURE_ERRORS) 2>/dev/null && [ -w build ] || \
	  { echo "error: cannot write $(CURDIR)/build: check its permissions (or remove it: make clean)" >&2; exit 1; }
	@exec 9>build/.lock; \
	if ! flock -n 9; then echo "another make is running in this folder; waiting for it to finish…" >&2; flock 9; fi; \
	rm -f $(LECTURE_ERRORS)/*; \
	if [ -x $(PY) ] && [ -z "$(filter clean help setup,$(GOALS))" ]; then $(PY) -m lecturemedia.outputs sweep; fi; \
	set +e; { LECTURE_INNER=1 $(MAKE) -j$(JOBS) $(MAKECMDGOALS) 2>&1 1>&3 3>&- | \
	  grep --line-buffered -v -E '^make(\[[0-9]+\])?: \*\*\* (\[.*\] Error [0-9]+|Waiting for unfinished jobs)' >&2; \
	  rc=$${PIPESTATUS[0]}; } 3>&1; set -e; \
	if [ -n "$(filter all slides handouts html pptx,$(GOALS))" ]; then \
	  while IFS= read -r f; do [ -n "$$f" ] || continue; rc=1; \
	    echo "error: slides_src/$$f: Make cannot name a deck whose file name has a space, : or %;" \
	      "rename it, e.g. git mv \"slides_src/$$f\" \"slides_src/$$(echo "$$f" | tr ' :%' '___')\"" >> $(LECTURE_ERRORS)/names.txt; \
	  done < <(find slides_src -maxdepth 1 -name '*.md' -name '*[ :%]*' -printf '%f\n' 2>/dev/null); \
	fi; \
	if [ $$rc -ne 0 ] && compgen -G '$(LECTURE_ERRORS)/*.txt' >/dev/null; then \
	  echo >&2; declare -A seen; for f in $(LECTURE_ERRORS)/*.txt; do \
	    k=$$(cat "$$f" 2>/dev/null) || true; [ -n "$$k" ] || continue; \
	    [ -n "$${seen[$$k]:-}" ] || { seen[$$k]=1; printf '%s\n' "$$k" >&2; }; done; \
	fi; \
	exit $$rc
$(wordlist 2,100,$(GOALS)): $(firstword $(GOALS)) ; @:

else
# ---- the inner make: the build graph. Every product is an explicit target (static pattern
# rules), so a deleted one is made again; a changed one is removed first by `outputs sweep`.
MAKEFLAGS += -j$(JOBS)
.DEFAULT_GOAL := all
.PHONY: all slides handouts html pptx lecture traces videos setup test lint bench clean help new-animation dist site


# The course, found by its files: decks, computations, scenes (helpers start with _).
DECK_FILES   := $(shell find slides_src -maxdepth 1 -name '*.md' -printf '%f\n' 2>/dev/null | tr ' :%' '???' | sort)
DECKS        := $(patsubst %.md,%,$(foreach f,$(DECK_FILES),$(if $(findstring ?,$f),,$f)))
COMPUTATIONS := $(sort $(basename $(notdir $(filter-out computations/_%,$(wildcard computations/*.py)))))
SCENES       := $(sort $(filter-out common,$(basename $(notdir $(filter-out scenes/_%,$(wildcard scenes/*.py))))))
FILTERS      := $(wildcard $(PKG)/decks/filters/*.lua)
SETUP        := build/.setup/system $(VENV)/.installed

## all: every deck as slides (PDF), handouts (PDF), HTML and PowerPoint; every trace and video
all: slides handouts html pptx videos

## slides: build/slides/<deck>.pdf for every slides_src/<deck>.md (videos as posters that play)
slides: $(DECKS:%=build/slides/%.pdf)

## handouts: build/handouts/<deck>.pdf: the same pages, posters without media links
handouts: $(DECKS:%=build/handouts/%.pdf)

## html: build/html/<deck>.html, reveal.js with the videos inline, working offline
html: $(DECKS:%=build/html/%.html)

## pptx: build/pptx/<deck>.pptx, editable PowerPoint with the videos as movies (captions burned in)
pptx: $(DECKS:%=build/pptx/%.pptx)

## traces: run every computation (computations/<name>.py) with PyTorch: build/traces/<name>.json
traces: $(COMPUTATIONS:%=build/traces/%.json)

# ---- setup: Debian packages, then the .venv, then reveal.js from npm
## setup: check for and install what is missing (Debian packages, .venv, reveal.js)
setup:
	scripts/setup.sh system
	@mkdir -p build/.setup && touch build/.setup/system
	PYTHON=$(PYTHON) VENV=$(VENV) scripts/setup.sh python
	@touch $(VENV)/.installed
	npm ci --no-audit --no-fund --loglevel=error >/dev/null

build/.setup/system: scripts/setup.sh
	$(Q)scripts/setup.sh system
	$(Q)mkdir -p $(@D) && touch $@

# What only the PowerPoint decks need (ffmpeg, to burn the captions into their videos).
build/.setup/pptx: scripts/setup.sh | build/.setup/system
	$(Q)scripts/setup.sh pptx
	$(Q)mkdir -p $(@D) && touch $@

# What only the narrated lectures need (ffmpeg, to encode them; espeak-ng, the Spanish voice).
build/.setup/lecture: scripts/setup.sh | build/.setup/system
	$(Q)scripts/setup.sh lecture
	$(Q)mkdir -p $(@D) && touch $@

$(VENV)/.installed: pyproject.toml | build/.setup/system
	$(Q)PYTHON=$(PYTHON) VENV=$(VENV) scripts/setup.sh python
	$(Q)touch $@

node_modules/.package-lock.json: package.json package-lock.json | build/.setup/system
	$(Q)npm ci --no-audit --no-fund --loglevel=error >/dev/null

# ---- course.yaml, split so that each stage depends on its own part only
COMPUTATION_FILES := $(wildcard computations/*.py)
CONFIG_PARTS := build/config/course.json build/config/site.json build/config/environment.json $(COMPUTATIONS:%=build/config/trace-%.json)
# After $(SETUP) (not order-only): a reinstall (a new torch, say) re-splits, and environment.json
# records the torch version that the traces depend on.
# The traces' parts are split even when the course's failed: each part that changed but could
# not be written (a full disk) goes with what was made from it.
SPLIT := s=0; $(PY) -m lecturemedia.config split || s=$$?; $(PY) -m lecturemedia.animations.parameters split; exit $$s
build/config/.split: course.yaml $(COMPUTATION_FILES) $(PKG)/config.py $(PKG)/animations/computation.py \
		$(PKG)/animations/parameters.py $(SETUP)
	$(Q)$(SPLIT)
	$(Q)touch $@
$(CONFIG_PARTS): build/config/.split
	$(Q)[ -f $@ ] || { $(SPLIT); }

course.yaml:
	@echo "error: course.yaml is missing: it holds the course facts and the computations' parameters" \
	  "(restore it: git checkout course.yaml)" >&2; exit 1

# ---- traces: a computation runs when it, its parameters or torch change; the .json is
# rewritten only when its bytes change, so the videos and decks that read it rebuild only then.
TRACE_JSON   := $(COMPUTATIONS:%=build/traces/%.json)
TRACE_STAMPS := $(COMPUTATIONS:%=build/traces/.%.stamp)
$(TRACE_STAMPS): build/traces/.%.stamp: computations/%.py build/config/trace-%.json build/config/environment.json \
		$(wildcard computations/_*.py) $(PKG)/animations/compute.py $(PKG)/animations/traces.py | $(SETUP)
	$(Q)$(WARM) lecturemedia.animations.compute $*
	$(Q)touch $@
$(TRACE_JSON): build/traces/%.json: build/traces/.%.stamp
	$(Q)[ -f $@ ] || $(WARM) lecturemedia.animations.compute $*

# ---- videos: one Manim scene each; QUALITY=preview (480p15) | final (1080p60) | test
VIDEO_DIR := build/videos$(if $(filter-out preview,$(QUALITY)),/$(QUALITY))
VIDEO_MP4 := $(SCENES:%=$(VIDEO_DIR)/%.mp4)
# Beside each mp4: its poster (the first frame), its last frame (the handout's), its captions.
COMPANIONS := .png -end.png .srt .vtt

## videos: build/videos/<scene>.mp4 with its posters and captions (QUALITY=final: build/videos/final/)
videos: $(VIDEO_MP4)

$(VIDEO_MP4): $(VIDEO_DIR)/%.mp4: scenes/%.py $(wildcard scenes/common.py scenes/_*.py) $(PKG)/animations/video.py $(PKG)/animations/manim_scene.py \
		$(PKG)/animations/scene.py $(PKG)/numbers.py | $(SETUP) $(TRACE_JSON)
	$(Q)$(WARM) lecturemedia.animations.video $* --quality $(QUALITY)
define companion
$$(SCENES:%=$$(VIDEO_DIR)/%$1): $$(VIDEO_DIR)/%$1: $$(VIDEO_DIR)/%.mp4
	$$(Q)[ -f $$@ ] || $$(WARM) lecturemedia.animations.video $$* --quality $$(QUALITY)
endef
$(foreach c,$(COMPANIONS),$(eval $(call companion,$c)))
# A scene reads the trace of its name; the traces it read last time are in its .d file.
$(foreach s,$(filter $(COMPUTATIONS),$(SCENES)),$(eval $(VIDEO_DIR)/$s.mp4: build/traces/$s.json))

# ---- decks: template -> Markdown -> LaTeX -> PDF, and -> reveal.js HTML
# A deck's .d is rewritten only when what it lists changes (the stamp records each run), so
# editing a deck's text does not make Make read its makefiles again.
DECK_DEPS := $(DECKS:%=build/deps/%.d)
$(DECKS:%=build/deps/.%.stamp): build/deps/.%.stamp: slides_src/%.md scenes computations \
		$(PKG)/decks/templating.py $(PKG)/decks/deck.py $(PKG)/paths.py | $(SETUP)
	$(Q)$(PY) -m lecturemedia.decks.deck deps $*
$(DECK_DEPS): build/deps/%.d: build/deps/.%.stamp
	$(Q)[ -f $@ ] || $(PY) -m lecturemedia.decks.deck deps $*

$(DECKS:%=build/md/%.md): build/md/%.md: slides_src/%.md build/config/course.json \
		$(PKG)/decks/templating.py $(PKG)/decks/markdown_code.py $(PKG)/decks/deck.py $(PKG)/numbers.py | $(SETUP)
	$(Q)$(PY) -m lecturemedia.decks.deck md $*

DECK_INPUTS := build/config/course.json $(wildcard slides_src/templates/preamble.tex) $(FILTERS) \
	$(PKG)/decks/deck.py $(PKG)/decks/pandoc.py $(PKG)/decks/latex.py

$(DECKS:%=build/slides/%.pdf): build/slides/%.pdf: build/md/%.md $(DECK_INPUTS) | $(SETUP)
	$(Q)$(PY) -m lecturemedia.decks.deck pdf $*

$(DECKS:%=build/handouts/%.pdf): build/handouts/%.pdf: build/md/%.md $(DECK_INPUTS) | $(SETUP)
	$(Q)$(PY) -m lecturemedia.decks.deck handout $*

# PowerPoint: pandoc 3 (pypandoc-binary), then python-pptx; the course's template if it has one.
PPTX_INPUTS := build/config/course.json $(FILTERS) $(wildcard slides_src/templates/reference.pptx) \
	$(wildcard $(PKG)/decks/pptx/*.py) $(PKG)/decks/pandoc.py $(PKG)/decks/assets/reference.pptx

$(DECKS:%=build/pptx/%.pptx): build/pptx/%.pptx: build/md/%.md $(PPTX_INPUTS) build/pptx/.template | $(SETUP) build/.setup/pptx
	$(Q)$(PY) -m lecturemedia.decks.pptx deck $*

# Which template the decks take (the course's or the engine's): rewritten only when that changes,
# so that adding or deleting slides_src/templates/reference.pptx rebuilds every deck.
PPTX_TEMPLATE := $(if $(wildcard slides_src/templates/reference.pptx),course,engine)
build/pptx/.template: $(if $(filter-out $(PPTX_TEMPLATE),$(shell cat build/pptx/.template 2>/dev/null)),FORCE_TEMPLATE)
	$(Q)mkdir -p $(@D) && echo $(PPTX_TEMPLATE) > $@
.PHONY: FORCE_TEMPLATE
FORCE_TEMPLATE:

# reveal.js, copied file by file from the pinned npm package: each is a target of its own,
# so a deleted one is copied again.
# The list is made once reveal.js is installed (an included makefile: Make reads it again).
ifeq ($(filter clean help setup test lint new-animation,$(GOALS)),)
-include build/config/reveal-files.mk
endif
build/config/reveal-files.mk: node_modules/.package-lock.json
	$(Q)mkdir -p $(@D) && { printf 'REVEAL_FILES :='; (cd node_modules/reveal.js && find dist plugin -type f && echo LICENSE) | \
	  sed 's|^| build/html/reveal.js/|' | tr -d '\n'; echo; } > $@.tmp && mv $@.tmp $@
HTML_ASSETS := $(REVEAL_FILES) build/html/revealjs.css

$(DECKS:%=build/html/%.html): build/html/%.html: build/md/%.md build/config/course.json $(FILTERS) \
		$(PKG)/decks/html.py $(PKG)/decks/pandoc.py $(PKG)/decks/assets/fit.html $(PKG)/decks/assets/captions.html | $(SETUP) $(HTML_ASSETS) build/html/reveal.js/dist/reveal.js
	$(Q)$(PY) -m lecturemedia.decks.deck html $*

# Copy one file as a product: through a temporary file, with its digest kept for `sweep`.
define publish-copy
	$(Q)mkdir -p $(@D) build/.digests/$(@D)
	$(Q)cp $< $@.tmp && echo "$$(sha256sum $@.tmp | cut -d' ' -f1) - -" > build/.digests/$@.sha256 && mv $@.tmp $@
endef
build/html/reveal.js/%: node_modules/reveal.js/% | node_modules/.package-lock.json
	$(publish-copy)
node_modules/reveal.js/%: | node_modules/.package-lock.json ;
build/html/reveal.js/dist/reveal.js: node_modules/reveal.js/dist/reveal.js
	$(publish-copy)
build/html/revealjs.css: $(PKG)/decks/assets/revealjs.css
	$(publish-copy)

# ---- each output folder gets its own copy of the media it links, so that it can be
# copied away whole. Which quality it gets follows QUALITY (recorded in build/.quality).
QUALITY_STAMP := build/.quality
$(shell mkdir -p build && [ "$$(cat $(QUALITY_STAMP) 2>/dev/null)" = "$(QUALITY)" ] || echo "$(QUALITY)" > $(QUALITY_STAMP))

build/slides/videos/%: $(VIDEO_DIR)/% $(QUALITY_STAMP)
	$(publish-copy)
build/handouts/videos/%: $(VIDEO_DIR)/% $(QUALITY_STAMP)
	$(publish-copy)
build/html/videos/%: $(VIDEO_DIR)/% $(QUALITY_STAMP)
	$(publish-copy)
build/pptx/videos/%.png: $(VIDEO_DIR)/%.png $(QUALITY_STAMP)
	$(publish-copy)
build/pptx/videos/%.mp4: $(VIDEO_DIR)/%.mp4 $(VIDEO_DIR)/%.srt $(QUALITY_STAMP) | build/.setup/pptx
	$(Q)$(PY) -m lecturemedia.decks.pptx captions $* --videos $(VIDEO_DIR)

# ---- lecture: each deck narrated (publish/lecture): its handout's pages at 1920x1080, its notes
# spoken, its animations playing in place. Not part of `all` (it is long). The voice is espeak-ng's,
# or piper's with LECTURE_PIPER_MODEL=<voice>.onnx; build/lecture/.voice records which, so a change rebuilds.
## lecture: build/lecture/<deck>.mp4 (+ .vtt .srt .chapters.vtt .png): each deck as a narrated video
lecture: $(DECKS:%=build/lecture/%.mp4)

LECTURE_VOICE := $(if $(LECTURE_PIPER_MODEL),piper $(LECTURE_PIPER_MODEL),espeak-ng)
LECTURE_INPUTS := $(wildcard $(PKG)/publish/lecture/*.py) $(PKG)/numbers.py $(PKG)/decks/pandoc.py \
	build/lecture/.voice $(wildcard slides_src/recordings slides_src/recordings/* slides_src/recordings/*/*)
$(DECKS:%=build/lecture/%.mp4): build/lecture/%.mp4: build/handouts/%.pdf build/md/%.md $(LECTURE_INPUTS) \
		| $(SETUP) build/.setup/lecture
	$(Q)$(PY) -m lecturemedia.publish.lecture.build $* --videos build/lecture/videos
define lecture-sidecar
$$(DECKS:%=build/lecture/%$1): build/lecture/%$1: build/lecture/%.mp4
	$$(Q)[ -f $$@ ] || $$(PY) -m lecturemedia.publish.lecture.build $$* --videos build/lecture/videos
endef
$(foreach s,.vtt .srt .chapters.vtt .png,$(eval $(call lecture-sidecar,$s)))
build/lecture/.voice: $(if $(filter-out $(LECTURE_VOICE),$(shell cat build/lecture/.voice 2>/dev/null)),FORCE_TEMPLATE)
	$(Q)mkdir -p $(@D) && echo '$(LECTURE_VOICE)' > $@
build/lecture/videos/%: $(VIDEO_DIR)/% $(QUALITY_STAMP)
	$(publish-copy)

ifeq ($(filter clean help setup test lint new-animation,$(GOALS)),)
-include $(DECK_DEPS) $(wildcard build/deps/videos/*-$(QUALITY).d)
endif

## dist: build/dist/<course>-{slides,handouts,html,pptx}.zip: each output with its media, to hand over
dist: all
	$(Q)$(PY) -m lecturemedia.publish.dist $(DECKS)

## site: build/site/: the course for its students, an index and a page per lecture (video, decks, animations, labs, a zip)
site: build/site/index.html $(DECKS:%=build/site/lectures/%.html)

# The narrated lecture each page shows, as `make lecture` makes it (video, captions, chapters, poster).
SITE_LECTURE_INPUTS = build/lecture/%.mp4 build/lecture/%.chapters.vtt build/lecture/%.vtt build/lecture/%.png
SITE_PKG      := $(PKG)/publish/site
SITE_PAGES    := $(SITE_PKG)/build.py $(SITE_PKG)/pages.py $(SITE_PKG)/templates/base.html.j2 $(SITE_PKG)/assets/site.css
SITE_LECTURE  := $(SITE_PAGES) $(SITE_PKG)/lectures.py $(SITE_PKG)/copies.py $(SITE_PKG)/archive.py $(SITE_PKG)/tracks.py \
	$(SITE_PKG)/templates/lecture.html.j2 $(SITE_PKG)/assets/lecture.js
SITE_REVEAL   := $(REVEAL_FILES:build/html/%=build/site/decks/%) build/site/decks/revealjs.css

build/site/index.html: $(DECKS:%=build/md/%.md) build/deps/site/lectures build/config/course.json build/config/site.json \
		$(SITE_PAGES) $(SITE_PKG)/order.py $(SITE_PKG)/lectures.py $(SITE_PKG)/templates/index.html.j2 | $(SETUP)
	$(Q)$(PY) -m lecturemedia.publish.site.build index $(DECKS)
# The decks the index lists, rewritten when one is added or deleted (a deleted deck leaves no newer file).
SITE_LISTED := $(shell cat build/deps/site/lectures 2>/dev/null)
build/deps/site/lectures: $(if $(filter-out $(SITE_LISTED),$(DECKS))$(filter-out $(DECKS),$(SITE_LISTED)),FORCE_TEMPLATE)
	$(Q)mkdir -p $(@D) && echo $(DECKS) > $@

# A page is made again when its deck, its outputs, its narrated lecture or a lab it names changed.
$(DECKS:%=build/site/lectures/%.html): build/site/lectures/%.html: build/md/%.md build/html/%.html build/slides/%.pdf \
		build/handouts/%.pdf build/pptx/%.pptx $(SITE_LECTURE_INPUTS) build/config/course.json $(SITE_LECTURE) \
		| $(SETUP) $(SITE_REVEAL)
	$(Q)$(PY) -m lecturemedia.publish.site.build lecture $*

# Which labs a deck names (labs/<name>.ipynb), read from its Markdown: build/deps/site/<deck>.d.
$(DECKS:%=build/deps/site/%.d): build/deps/site/%.d: build/md/%.md $(SITE_PKG)/lectures.py | $(SETUP)
	$(Q)$(PY) -m lecturemedia.publish.site.build deps $*
ifneq ($(filter site,$(GOALS)),)
-include $(DECKS:%=build/deps/site/%.d)
endif

# A lab is run top to bottom and converted with its outputs (nbconvert).
build/site/labs/%.html: labs/%.ipynb build/config/course.json $(SITE_PAGES) $(SITE_PKG)/notebooks.py \
		$(SITE_PKG)/templates/notebook.html.j2 | $(SETUP)
	$(Q)$(PY) -m lecturemedia.publish.site.build notebook $*

build/site/decks/reveal.js/%: build/html/reveal.js/%
	$(publish-copy)
build/site/decks/revealjs.css: build/html/revealjs.css
	$(publish-copy)

## new-animation: NAME=<name>: write computations/<name>.py and scenes/<name>.py, a working example
new-animation: | $(SETUP)
	$(Q)$(PY) -m lecturemedia.animations.scaffold "$(NAME)"

## test: run the test suite (sets up first)
# (this make holds build/.lock while the tests run: the course tests copy build/ without taking it)
test: $(SETUP) node_modules/.package-lock.json build/.setup/test
	env -u LECTURE_INNER -u LECTURE_ERRORS LECTURE_LOCK_HELD=$(CURDIR)/build/.lock $(PY) -m pytest

build/.setup/test: scripts/setup.sh | build/.setup/system
	$(Q)scripts/setup.sh test
	$(Q)mkdir -p $(@D) && touch $@

## lint: ruff over the code
lint: $(SETUP)
	$(VENV)/bin/ruff check scripts scenes computations tests

## bench: time the builds against the bare tools, in a throw-away copy (BENCH="slides traces videos stills watch lecture course")
bench: $(SETUP) node_modules/.package-lock.json
	$(PY) -u scripts/bench.py $(BENCH)

## clean: remove build/
clean:
	rm -rf build

## help: this list
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  /'

endif

# ---- live preview: make watch, make still (lecturemedia.preview.watch, lecturemedia.animations.still_command)
# `watch` takes no lock (it is in UNLOCKED): the makes it runs take it, one at a time.
ifdef LECTURE_INNER
PORT ?= 8000
.PHONY: watch still

## watch: serve build/html/ at http://127.0.0.1:$PORT/ (PORT=8000), rebuild on every save, reload the page; STILLS=1: stills, not videos
watch: | $(SETUP)
	@$(PY) -u -m lecturemedia.preview.watch --port $(PORT) $(if $(filter-out 0,$(STILLS)),--stills) -- $(MAKEOVERRIDES)

## still: NAME=<scene> [AT=<seconds>]: build/stills/<scene>.png, one frame of the scene (the last by default), no video
still: | $(SETUP) traces
	$(Q)$(WARM) lecturemedia.animations.still_command "$(NAME)" --quality $(QUALITY) $(if $(AT),--at "$(AT)")
endif
