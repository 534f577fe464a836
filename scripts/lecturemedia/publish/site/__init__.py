"""`make site`: the course for its students, build/site/: an index and a page per lecture.

One module per job: `order` (the lectures in the course's order), `lectures` (what a deck
places and names), `notebooks` (a lab as HTML with its outputs), `tracks` (captions inside a
page), `copies` (the files a page links), `archive` (a lecture's zip), `pages` (Jinja), `build`
(the command Make runs).
"""
