"""A deck as PowerPoint (build/pptx/<deck>.pptx): editable text by pandoc 3's pptx writer,
finished here with python-pptx: the videos as embedded movies, the Pregunta box, and a
picture of each equation box for LibreOffice Impress.

python -m lecturemedia.decks.pptx deck NAME        build/pptx/NAME.pptx
python -m lecturemedia.decks.pptx captions NAME    build/pptx/videos/NAME.mp4: the video, captions burned in
python -m lecturemedia.decks.pptx reference OUT    write the engine's reference document (decks/assets/reference.pptx)

The Debian pandoc (2.17) makes the PDFs and the HTML; its pptx writer has no builds for
incremental lists, so the PPTX is written by the pandoc inside the `pypandoc-binary` package.

build.py runs the steps, each a module: frames.py (one slide per frame), movies.py and play.py
(the movie and its click), pregunta.py, blocks.py (Beamer's blocks), text.py and fit.py (text that
fits its box), equations.py (their pictures for Impress); ooxml.py is what they share; captions.py
burns a video's captions in, reference.py writes the engine's reference document.
"""
