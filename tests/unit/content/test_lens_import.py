"""`roundtable content import lens`: a vault in the predecessor's format, converted.

The fixture vault (tests/fixtures/lens_vault) is written in that format and
uses each construct its processor accepts: module-level and embedded lenses,
learning outcome files with names holding spaces and punctuation, aliases,
optional flags, inherited article sources, quoted anchors, videos with word
timings, chat flags, escaped headings, comments and CriticMarkup, a
submodule, and constructs Roundtable cannot carry (tests, questions,
roleplays, images, a broken link).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from roundtable_edge.cli import main

from roundtable.content.bundle import build_bundle
from roundtable.content.lens.importer import ImportReport, ImportTargetError, import_vault
from roundtable.content.lens.media import parse_clock, transcript_lines, youtube_id
from roundtable.content.lens.sections import read_fields, split_sections
from roundtable.content.lens.vault import strip_authoring_markup
from roundtable.content.lens.writer import value

VAULT = Path(__file__).resolve().parents[2] / "fixtures" / "lens_vault"
LOOKING_SLOWLY = "0c1d2e3f-0000-4000-8000-000000000040"
THE_WALK = "0c1d2e3f-0000-4000-8000-000000000050"


@pytest.fixture
def imported(tmp_path: Path) -> tuple[ImportReport, Path]:
    out = tmp_path / "content"
    return import_vault(VAULT, out), out


def _module(out: Path, slug: str) -> dict[str, Any]:
    bundle, _ = build_bundle(out)
    modules: dict[str, dict[str, Any]] = json.loads(bundle.to_json())["modules"]
    return modules[slug]


def test_the_imported_folder_validates_and_builds(imported: tuple[ImportReport, Path]) -> None:
    report, out = imported
    assert report.validation.errors == ()
    assert report.counts == {"courses": 1, "modules": 2, "articles": 1, "videos": 1}
    bundle, _ = build_bundle(out)
    assert set(json.loads(bundle.to_json())["modules"]) == {"observing", "recording"}


def test_ids_are_kept_so_progress_keeps_its_meaning(imported: tuple[ImportReport, Path]) -> None:
    _, out = imported
    module = _module(out, "observing")
    assert module["id"] == "0c1d2e3f-0000-4000-8000-000000000010"
    outcome = module["outcomes"][1]
    assert outcome["id"] == "0c1d2e3f-0000-4000-8000-000000000030"
    assert outcome["title"] == "Name what you notice before judging it"
    assert [s["id"] for s in outcome["sections"]] == [LOOKING_SLOWLY, THE_WALK]
    assert [seg["id"] for seg in outcome["sections"][0]["segments"]] == [
        f"{LOOKING_SLOWLY}.1",
        f"{LOOKING_SLOWLY}.2",
        f"{LOOKING_SLOWLY}.3",
    ]


def test_a_lens_used_again_gets_an_id_of_its_own(imported: tuple[ImportReport, Path]) -> None:
    _, out = imported
    observing = _module(out, "observing")
    reused = observing["outcomes"][2]["sections"][0]
    assert reused["id"] == f"{LOOKING_SLOWLY}--observing"
    assert reused["optional"] is True  # `optional:: true` on the module's `# Lens:`
    recording = _module(out, "recording")
    ids = [s["id"] for o in recording["outcomes"] for s in o["sections"]]
    assert f"{LOOKING_SLOWLY}--recording" in ids


def test_segments_are_carried_with_their_meaning(imported: tuple[ImportReport, Path]) -> None:
    _, out = imported
    observing = _module(out, "observing")
    welcome = observing["outcomes"][0]["sections"][0]
    text, chat = welcome["segments"]
    assert "a note for authors only" not in text["markdown"]
    assert "remove before publishing" not in text["markdown"]
    assert "#### A heading kept in the text" in text["markdown"]
    assert "[the slow looking essay](https://example.org/slow-looking)" in text["markdown"]
    assert chat["title"] == "First impressions"
    assert chat["learner_sees_previous"] is False and chat["tutor_sees_previous"] is True
    looking, walk = observing["outcomes"][1]["sections"]
    first, _, inherited = looking["segments"]
    assert first["markdown"].startswith("Slow looking is the habit")
    assert inherited["article"]["slug"] == "slow-looking"  # source inherited
    assert inherited["optional"] is True
    assert inherited["markdown"] == "Ten minutes with a single leaf shows more than you expected."
    assert walk["optional"] is True  # `optional:: true` on the outcome's `## Lens:`
    video, walk_chat = walk["segments"]
    assert (video["from_s"], video["to_s"]) == (2, 7)
    assert video["video"]["youtube_id"] == "Ab3dE5gH1jK"
    assert "We stop at the old oak" in video["transcript"]
    assert walk_chat["tutor_sees_previous"] is False
    assert "#### Things to ask" in walk_chat["instructions"]


def test_the_course_lists_modules_once_and_numbers_its_meetings(
    imported: tuple[ImportReport, Path],
) -> None:
    _, out = imported
    bundle, _ = build_bundle(out)
    course = json.loads(bundle.to_json())["courses"]["field-notes"]
    assert course["id"] == "0c1d2e3f-0000-4000-8000-000000000001"
    assert [
        (item["kind"], item.get("slug") or item.get("number"), item.get("optional"))
        for item in course["progression"]
    ] == [
        ("module", "observing", False),
        ("meeting", 1, None),
        ("module", "recording", True),
        ("meeting", 2, None),
    ]


def test_what_cannot_be_carried_is_reported_by_file_and_line(
    imported: tuple[ImportReport, Path],
) -> None:
    report, _ = imported
    notes = {(n.file, n.line, n.severity, n.message.split(":")[0]) for n in report.notes}
    assert notes == {
        ("modules/observing.md", 2, "warning", "front matter `discussion` not carried over"),
        ("Learning Outcomes/Notice, then name (part 1).md", 5, "warning", "a `## Test"),
        ("Lenses/Looking Slowly.md", 2, "warning", "front matter `tldr` not carried over"),
        ("modules/recording.md", 6, "warning", "submodule 'Keeping a notebook'"),
        (
            "modules/recording.md",
            11,
            "warning",
            "embedded file ![[sketch.png]] is not carried over (no image store)",
        ),
        ("modules/recording.md", 15, "warning", "a question segment is not carried over"),
        ("modules/recording.md", 19, "warning", "a roleplay segment is not carried over"),
        ("modules/recording.md", 28, "error", "[[../Lenses/Missing lens]] points at no file"),
        ("courses/field-notes.md", 14, "warning", "module 'observing' listed again"),
        ("courses/field-notes.md", 1, "warning", "meetings are numbered, their names not kept"),
    }
    assert len(report.notes) == len(notes)  # each said once, though the lens is read thrice
    assert not report.ok  # the broken link is an error


def test_the_destination_must_be_new_and_the_source_a_vault(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.md").write_text("mine")
    with pytest.raises(ImportTargetError, match="not empty"):
        import_vault(VAULT, taken)
    with pytest.raises(ImportTargetError, match="no modules/ folder"):
        import_vault(tmp_path, tmp_path / "out")
    assert (taken / "keep.md").read_text() == "mine"


def test_the_command_reports_and_exits_by_what_it_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["content", "import", "lens", str(VAULT), str(tmp_path / "a")])
    printed = capsys.readouterr().out
    assert code == 1
    assert "wrote 1 courses, 2 modules, 1 articles, 1 videos" in printed
    assert "modules/recording.md:28: error:" in printed
    code = main(["content", "import", "lens", "--json", str(VAULT), str(tmp_path / "b")])
    document = json.loads(capsys.readouterr().out)
    assert code == 1 and document["ok"] is False
    assert document["validation"]["ok"] is True
    assert main(["content", "import", "lens", str(VAULT), str(tmp_path / "a")]) == 2


# --- the pieces ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0:07.5", 7.5), ("1:02:03", 3723.0), ("45", 45.0), ("1:x", None), ("1:2:3:4", None)],
)
def test_clock_times(text: str, seconds: float | None) -> None:
    assert parse_clock(text) == seconds


@pytest.mark.parametrize(
    ("url", "video"),
    [
        ("https://www.youtube.com/watch?v=Ab3dE5gH1jK&t=4", "Ab3dE5gH1jK"),
        ("https://youtu.be/Ab3dE5gH1jK", "Ab3dE5gH1jK"),
        ("https://www.youtube.com/embed/Ab3dE5gH1jK", "Ab3dE5gH1jK"),
        ("https://example.com/video", None),
    ],
)
def test_youtube_ids(url: str, video: str | None) -> None:
    assert youtube_id(url) == video


def test_transcript_lines_break_at_sentences_once_long_enough() -> None:
    words = [
        (0.0, "Hi."),
        (0.5, "One"),
        (1.0, "two"),
        (1.5, "three"),
        (2.0, "four"),
        (3.4, "five."),
    ]
    words += [(4.0, "Six"), (5.0, "seven")]
    assert transcript_lines(words) == [(0, "Hi. One two three four five."), (4, "Six seven")]
    long = [(float(i), f"w{i}") for i in range(30)]
    assert [at for at, _ in transcript_lines(long)] == [0, 24]


@pytest.mark.parametrize(
    "text", ["plain words", "a: colon", "'quoted'", "ends with:", "# hash", "Ten minutes", "1:20"]
)
def test_field_values_read_back_as_written(text: str) -> None:
    assert yaml.load(f"k: {value(text)}", Loader=yaml.BaseLoader) == {"k": text}


def test_authoring_markup_is_read_as_if_every_suggestion_were_rejected() -> None:
    text = "a %%hidden%% b {++added++} c {--kept--} d {~~old~>new~~} e {==lit==} f {>>note<<}"
    assert strip_authoring_markup(text) == "a  b  c kept d old e lit f"


def test_sections_nest_under_the_first_level_and_fields_run_over_lines() -> None:
    lines = ["# Lens: A", "id:: x", "#### Text", "content::", "one", "two", "# Lens: B"]
    sections, stray = split_sections(lines, 1, {"lens", "text"})
    assert stray is None
    assert [(s.kind, s.title, s.line) for s in sections] == [("lens", "A", 1), ("lens", "B", 7)]
    segments, _ = split_sections(sections[0].body, sections[0].body_line, {"text"}, flat=True)
    fields = read_fields(segments[0].body, segments[0].body_line)
    assert fields.get("content") == "one\ntwo"
    assert fields.line("content", 0) == 4
