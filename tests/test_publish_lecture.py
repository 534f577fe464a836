"""`make lecture`: each deck as a narrated video (publish/lecture), on the fixture course's alpha deck:
chapters, pictures, captions, sound, the MP4 in Chromium, an edit of one note; and the pure parts."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import TEST_ENV
from lecturemedia.project_copy import Project, copy_project
from lecturemedia.publish.lecture import captions, frames, segments, speech
from lecturemedia.publish.lecture.spoken_numbers import integer_words, number_words, speakable
from PIL import Image, ImageChops, ImageStat

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DECK = "alpha"


# ------------------------------------------------------------------ pure parts


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("0.0288", "cero coma cero dos ocho ocho"),
        ("−0.538", "menos cero coma cinco tres ocho"),
        ("-4", "menos cuatro"),
        ("3,5", "tres coma cinco"),
        ("21", "veintiuno"),
        ("100", "cien"),
        ("115", "ciento quince"),
        ("1000", "mil"),
        ("21000", "veintiún mil"),
        ("2000000", "dos millones"),
        ("1e-05", "uno por diez a la menos cinco"),
        ("12 %", "doce por ciento"),
    ],
)
def test_numbers_are_read_as_a_spanish_speaker_reads_them(written: str, spoken: str) -> None:
    assert number_words(written) == spoken


def test_integers_in_words() -> None:
    assert integer_words(99) == "noventa y nueve"
    assert integer_words(1234567) == "un millón doscientos treinta y cuatro mil quinientos sesenta y siete"


def test_only_the_numbers_of_a_text_change() -> None:
    text = "El paso 3 da w = −0.538, con x2 y lr 0.1."
    assert speakable(text) == "El paso tres da w = menos cero coma cinco tres ocho, con x2 y lr cero coma uno."


def test_sentences_end_at_their_stop_not_at_a_decimal_point() -> None:
    assert speech.sentences("El peso es 0.5 ahora. ¿Seguro? Sí.\n Bien") == [
        "El peso es 0.5 ahora.",
        "¿Seguro?",
        "Sí.",
        "Bien",
    ]
    assert speech.sentences("  ") == []


def test_caption_files() -> None:
    cues = [captions.Cue(1.5, 3.25, "b < c"), captions.Cue(0.0, 1.0, "a")]
    expected = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\na\n\n00:00:01.500 --> 00:00:03.250\nb &lt; c\n"
    assert captions.vtt(cues) == expected
    assert captions.srt(cues).startswith("1\n00:00:00,000 --> 00:00:01,000\na\n\n2\n00:00:01,500 --> 00:00:03,250\n")
    assert captions.parse_srt("1\n00:00:01,000 --> 00:00:02,500\n{\\an8}Arriba\n") == [captions.Cue(1.0, 2.5, "Arriba")]
    meta = captions.ffmetadata("T", [captions.Cue(0, 1.2, "x=1")])
    assert "START=0\nEND=1200\ntitle=x\\=1" in meta


def test_frame_labels_as_pandoc_writes_them_in_latex() -> None:
    assert frames.latex_label("introducción-y-motivación") == "introducciuxf3n-y-motivaciuxf3n"
    assert frames.latex_label("a_b.c-1") == "a_b.c-1"


def test_frames_are_whole() -> None:
    assert segments.frame_count(1.0) == segments.FPS
    assert segments.frame_count(1.01) == segments.FPS + 1
    assert segments.frame_count(0) == 1


# ------------------------------------------------------------------ the lecture of the fixture's alpha deck


def probe(path: Path, *args: str) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", *args, "-of", "json", str(path)], capture_output=True, text=True)
    return json.loads(out.stdout)


def vtt_cues(path: Path) -> list[tuple[float, float, str]]:
    found = re.findall(r"(\d+):(\d+):([\d.]+) --> (\d+):(\d+):([\d.]+)\n(.+)", path.read_text(encoding="utf-8"))
    seconds = lambda h, m, s: int(h) * 3600 + int(m) * 60 + float(s)  # noqa: E731
    return [(seconds(a, b, c), seconds(d, e, f), t) for a, b, c, d, e, f, t in found]


def loudness(path: Path, start: float = 0.0, length: float | None = None) -> dict[str, float]:
    """ffmpeg's measures of a stretch of the sound: mean and max volume (dB), integrated LUFS, true peak."""
    window = ["-ss", f"{start:.3f}"] + (["-t", f"{length:.3f}"] if length else [])
    cmd = ["ffmpeg", "-nostats", *window, "-i", str(path), "-map", "0:a"]
    cmd += ["-af", "volumedetect,ebur128=framelog=verbose:peak=true", "-f", "null", "-"]
    err = subprocess.run(cmd, capture_output=True, text=True).stderr
    value = lambda pattern: float(re.findall(pattern, err)[-1])  # noqa: E731
    return {
        "mean": value(r"mean_volume: (-?[\d.]+|-inf) dB"),
        "max": value(r"max_volume: (-?[\d.]+) dB"),
        "lufs": value(r"I:\s+(-?[\d.]+) LUFS"),
        "peak": value(r"Peak:\s+(-?[\d.]+|-inf) dBFS"),
    }


def test_streams_and_one_chapter_per_frame(lecture_built: Project) -> None:
    mp4 = lecture_built.path(f"build/lecture/{DECK}.mp4")
    streams = {s["codec_type"]: s for s in probe(mp4, "-show_streams")["streams"]}
    video, audio, subs = streams["video"], streams["audio"], streams["subtitle"]
    assert (video["codec_name"], video["pix_fmt"], video["width"], video["height"]) == ("h264", "yuv420p", 1920, 1080)
    assert (audio["codec_name"], audio["sample_rate"]) == ("aac", "48000")
    assert (subs["codec_name"], subs["tags"]["language"]) == ("mov_text", "spa")
    from pypdf import PdfReader

    pages = len(PdfReader(str(lecture_built.path(f"build/handouts/{DECK}.pdf"))).pages)
    chapters = probe(mp4, "-show_chapters")["chapters"]
    titles = [c["tags"]["title"] for c in chapters]
    assert len(chapters) == pages and "Numbers" in titles and "Video" in titles
    assert [t for _, _, t in vtt_cues(lecture_built.path(f"build/lecture/{DECK}.chapters.vtt"))] == titles
    for before, after in itertools.pairwise(chapters):
        assert before["end_time"] == after["start_time"]


def test_the_picture_at_each_chapter_start_is_its_page(lecture_built: Project, tmp_path: Path) -> None:
    mp4 = lecture_built.path(f"build/lecture/{DECK}.mp4")
    pdf = lecture_built.path(f"build/handouts/{DECK}.pdf")
    subprocess.run(["pdftoppm", "-png", "-scale-to-x", "1440", "-scale-to-y", "1080", str(pdf), str(tmp_path / "p")])
    pages = [Image.open(p).convert("L") for p in sorted(tmp_path.glob("p-*.png"))]
    for n, chapter in enumerate(probe(mp4, "-show_chapters")["chapters"]):
        shot = tmp_path / f"c{n}.png"
        at = float(chapter["start_time"]) + 0.05
        cmd = ["ffmpeg", "-v", "error", "-ss", f"{at}", "-i", str(mp4), "-frames:v", "1", str(shot)]
        subprocess.run(cmd, check=True)
        picture = Image.open(shot).convert("L").crop((240, 0, 1680, 1080))  # the 4:3 page, centred
        diffs = [ImageStat.Stat(ImageChops.difference(picture, page)).mean[0] for page in pages]
        assert diffs[n] < 6, (chapter["tags"]["title"], diffs)
        assert diffs[n] == min(diffs), (chapter["tags"]["title"], diffs)


def test_captions_in_order_within_the_speech(lecture_built: Project) -> None:
    folder = lecture_built.path("build/lecture")
    cues = vtt_cues(folder / f"{DECK}.vtt")
    chapters = vtt_cues(folder / f"{DECK}.chapters.vtt")
    assert cues == sorted(cues)
    assert len(re.findall(" --> ", (folder / f"{DECK}.srt").read_text(encoding="utf-8"))) == len(cues)
    texts = [t for _, _, t in cues]
    assert "Empezamos con una lista de dos puntos." in texts and "Después viene una pregunta." in texts
    assert any("1.3888" in t for t in texts)  # the trace's number, templated into the notes
    assert any("Descent" in t for t in texts)  # the animation's own caption, while it plays
    mp4 = folder / f"{DECK}.mp4"
    for start, end, text in cues:
        chapter = next(c for c in chapters if c[0] <= start < c[1])
        assert end <= chapter[1] + 0.001, text
        if text.startswith(("Empezamos", "El peso")):  # narration: there is speech under it
            assert loudness(mp4, start, end - start)["mean"] > -35, text


def test_sound_where_there_are_notes_silence_where_not(lecture_built: Project) -> None:
    mp4 = lecture_built.path(f"build/lecture/{DECK}.mp4")
    chapters = {t: (s, e) for s, e, t in vtt_cues(lecture_built.path(f"build/lecture/{DECK}.chapters.vtt"))}
    whole = loudness(mp4)
    assert -17.5 < whole["lufs"] < -14.5 and whole["peak"] < -0.5, whole
    start, end = chapters["First frame"]
    assert loudness(mp4, start, end - start)["mean"] > -35
    start, end = chapters["Code"]  # no notes: a set time, silent
    assert loudness(mp4, start, end - start)["max"] < -80


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs it)")
def test_the_lecture_plays_in_chromium(lecture_built: Project, tmp_path: Path) -> None:
    (tmp_path / "lecture.mp4").symlink_to(lecture_built.path(f"build/lecture/{DECK}.mp4"))
    page = tmp_path / "play.html"
    page.write_text(
        '<video id="v" src="lecture.mp4" muted></video><p id="out">none</p><script>'
        'const v = document.getElementById("v"), out = document.getElementById("out");'
        'v.onerror = () => { out.textContent = "error " + v.error.code; };'
        'v.ontimeupdate = () => { if (v.currentTime > 0.05) out.textContent = '
        '`played ${v.videoWidth}x${v.videoHeight} ${Math.round(v.duration)}`; };'
        "v.play();</script>",
        encoding="utf-8",
    )
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--mute-audio"]
    args += ["--autoplay-policy=no-user-gesture-required", "--virtual-time-budget=8000", "--dump-dom", page.as_uri()]
    for _ in range(3):  # playback runs in real time: a loaded machine may need another go
        dom = subprocess.run(args, capture_output=True, text=True, timeout=120).stdout
        shown = re.search(r'<p id="out">([^<]*)</p>', dom)
        if shown and shown.group(1).startswith("played"):
            break
    duration = float(probe(lecture_built.path(f"build/lecture/{DECK}.mp4"), "-show_format")["format"]["duration"])
    assert shown and shown.group(1) == f"played 1920x1080 {round(duration)}"


def test_a_note_edit_re_encodes_its_frame_only_a_recording_replaces_the_voice(
    lecture_built: Project, tmp_path: Path
) -> None:
    project = copy_project(lecture_built.root, tmp_path / "course", with_build=True, env=TEST_ENV)
    segments_dir = project.path(f"build/lecture/{DECK}/segments")
    before = {p.name: p.stat().st_mtime_ns for p in segments_dir.glob("*.mp4")}
    deck = project.path(f"slides_src/{DECK}.md")
    deck.write_text(
        deck.read_text(encoding="utf-8").replace("Después viene una pregunta.", "Luego, una pregunta larga y clara."),
        encoding="utf-8",
    )
    out = project.make(f"build/lecture/{DECK}.mp4").stdout
    assert ", 1 encoded," in out, out
    after = {p.name: p.stat().st_mtime_ns for p in segments_dir.glob("*.mp4")}
    assert len(set(after) - set(before)) == 1 and all(before[k] == after[k] for k in set(after) & set(before))
    texts = [t for _, _, t in vtt_cues(project.path(f"build/lecture/{DECK}.vtt"))]
    assert "Luego, una pregunta larga y clara." in texts and "Después viene una pregunta." not in texts

    # The instructor's recording of a frame (by its label) is its sound, and sets its length.
    recording = project.path(f"slides_src/recordings/{DECK}/code.wav")
    recording.parent.mkdir(parents=True)
    tone = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=300:duration=5.5", str(recording)]
    subprocess.run(tone, check=True)
    out = project.make(f"build/lecture/{DECK}.mp4").stdout
    assert ", 1 encoded," in out, out
    chapters = {t: (s, e) for s, e, t in vtt_cues(project.path(f"build/lecture/{DECK}.chapters.vtt"))}
    start, end = chapters["Code"]
    assert 5.5 < end - start < 7
    assert loudness(project.path(f"build/lecture/{DECK}.mp4"), start + 1, 3)["mean"] > -35


def test_a_recording_that_links_outside_the_project_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lecturemedia import paths
    from lecturemedia.errors import UserError

    root, outside = tmp_path / "course", tmp_path / "elsewhere.wav"
    folder = root / "slides_src" / "recordings" / "alpha"
    folder.mkdir(parents=True)
    outside.write_bytes(b"RIFF")
    (folder / "2.wav").symlink_to(outside)
    (folder / "intro.wav").write_bytes(b"RIFF")
    monkeypatch.setattr(paths, "ROOT", root)
    monkeypatch.setattr(speech, "RECORDINGS", root / "slides_src" / "recordings")
    assert speech.recording("alpha", "intro", 1) == folder / "intro.wav"
    assert speech.recording("alpha", "other", 3) is None
    with pytest.raises(UserError, match="leads outside the project"):
        speech.recording("alpha", "other", 2)
