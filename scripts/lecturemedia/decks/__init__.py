"""Decks: a deck from template to Markdown, then PDF (slides, handout) and reveal.js HTML."""
