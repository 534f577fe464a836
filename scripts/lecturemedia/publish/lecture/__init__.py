"""`make lecture`: each deck as a narrated video (its frames, its notes spoken, its animations in place)."""
