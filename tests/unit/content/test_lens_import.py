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
import shutil
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
    assert [s["id"] for s in outcome["sections"]] == [
        LOOKING_SLOWLY,
        THE_WALK,
        "0c1d2e3f-0000-4000-8000-000000000030.test",  # the outcome's `## Test:`
    ]
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
    looking, walk, test = observing["outcomes"][1]["sections"]
    first, _, inherited = looking["segments"]
    assert first["markdown"].startswith("Slow looking is the habit")  # anchor matched ignoring case
    assert inherited["article"]["slug"] == "slow-looking"  # source inherited
    assert inherited["optional"] is True
    assert inherited["markdown"] == "Ten minutes with a single leaf shows more than you expected."
    assert walk["optional"] is True  # `optional:: true` on the outcome's `## Lens:`
    video, walk_chat, question = walk["segments"]
    assert (video["from_s"], video["to_s"]) == (2, 8)  # 0:07.5 rounds out: no word lost
    assert video["video"]["youtube_id"] == "Ab3dE5gH1jK"
    assert "We stop at the old oak" in video["transcript"]
    assert walk_chat["tutor_sees_previous"] is False
    assert "#### Things to ask" in walk_chat["instructions"]
    assert (question["kind"], question["title"]) == ("question", "Your own walk")
    assert question["question"].startswith("Describe one thing you would stop for")
    assert question["rubric"] == "Names one concrete thing.\nSays why it caught their attention."
    assert test["title"] == "Test yourself"
    (test_question,) = test["segments"]
    assert test_question["rubric"] == "Names a tree, or says honestly that they cannot yet."


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


def test_what_changed_on_the_way_is_said_by_file_and_line(
    imported: tuple[ImportReport, Path],
) -> None:
    report, _ = imported
    assert report.ok
    assert [(n.file, n.line, n.severity, n.message.split(":")[0]) for n in report.notes] == [
        (
            "modules/observing.md",
            2,
            "warning",
            "front matter `discussion` left out (no use in Roundtable)",
        ),
        (
            "Lenses/Looking Slowly.md",
            2,
            "warning",
            "front matter `tldr` left out (no use in Roundtable)",
        ),
        ("Lenses/The Walk.md", 17, "warning", "question `max-chars"),
        ("modules/recording.md", 6, "warning", "submodule 'Keeping a notebook'"),
        ("courses/field-notes.md", 14, "warning", "module 'observing' listed again"),
        ("courses/field-notes.md", 1, "warning", "meetings are numbered, their names not kept"),
    ]  # each once, though "Looking Slowly" is read three times


def _vault_with(tmp_path: Path, path: str, old: str, new: str) -> Path:
    """A copy of the fixture vault with one edit: `old` replaced by `new` in `path`
    (an empty `old` appends; a missing file is created)."""
    vault = tmp_path / "vault"
    shutil.copytree(VAULT, vault)
    file = vault / path
    text = file.read_text() if file.exists() else ""
    assert old in text
    file.write_text(text.replace(old, new, 1) if old else text + new)
    return vault


ROLEPLAY = "\n#### Roleplay\nid:: r1\ncontent:: A sceptic.\nai-instructions:: Doubt.\n"
NO_TIMINGS = ("video_transcripts/a-walk-in-the-park.timestamps.json", "[", "[]  ")


@pytest.mark.parametrize(
    ("edit", "note", "written"),
    [
        (
            ("Lenses/The Walk.md", "", ROLEPLAY),
            ("Lenses/The Walk.md", 25, "not carried over: a roleplay segment"),
            True,
        ),
        (
            ("Lenses/The Walk.md", "", "\n#### Question\ncontent::\nWhy?\n"),
            (
                "Lenses/The Walk.md",
                25,
                "not carried over: a question without `assessment-instructions::`",
            ),
            True,
        ),
        (
            ("modules/recording.md", "future self.", "future self.\n![[sketch.png]]"),
            ("modules/recording.md", 11, "not carried over: embedded file ![[sketch.png]]"),
            True,
        ),
        (
            (
                "Learning Outcomes/Notice, then name (part 1).md",
                "## Lens:",
                "## Test:\nsource:: ![[../Tests/Missing quiz]]\n\n## Lens:",
            ),
            (
                "Learning Outcomes/Notice, then name (part 1).md",
                6,
                "[[../Tests/Missing quiz]] points at no file",
            ),
            False,
        ),
        (
            ("modules/recording.md", "", "\n# Lens:\nsource:: ![[../Lenses/Missing lens]]\n"),
            ("modules/recording.md", 18, "[[../Lenses/Missing lens]] points at no file"),
            False,
        ),
        (
            ("Lenses/The Walk.md", "id: 0c1d2e3f-0000-4000-8000-000000000050", "title: Walk"),
            ("Lenses/The Walk.md", 2, "lens has no `id`"),
            False,
        ),
        (
            ("modules/recording.md", "slug: recording\n", ""),
            ("modules/recording.md", 2, "module has no `slug`"),
            False,
        ),
        (
            ("Lenses/Looking Slowly.md", "to:: you expected.", "to:: you never expected."),
            ("Lenses/Looking Slowly.md", 18, "`to::` 'you never expected.' is not in the article"),
            False,
        ),
        (
            ("Lenses/The Walk.md", "from:: 0:02", "from:: soon"),
            ("Lenses/The Walk.md", 7, "`from::` 'soon' is not a time"),
            False,
        ),
        (
            ("modules/recording.md", "---\nid:", "id:"),
            ("modules/recording.md", 1, "no front matter (`---` lines)"),
            False,
        ),
    ],
)
def test_each_construct_that_cannot_be_carried_is_reported_where_it_is(
    tmp_path: Path, edit: tuple[str, str, str], note: tuple[str, int, str], written: bool
) -> None:
    vault = _vault_with(tmp_path, *edit)

    report = import_vault(vault, tmp_path / "out")

    assert (note[0], note[1], "error") in {
        (n.file, n.line, n.severity) for n in report.notes if n.message.startswith(note[2])
    }, [str(n) for n in report.notes]
    assert not report.ok
    module = edit[0] if edit[0].startswith("modules/") else "modules/observing.md"
    slug = {"modules/recording.md": "recording"}.get(module, "observing")
    # Never half-converted: a module with invalid input is not written at all.
    assert (tmp_path / "out" / "modules" / f"{slug}.md").exists() is written
    assert (tmp_path / "out" / "courses" / "field-notes.md").exists() is written


def test_a_video_without_timings_is_one_line_when_excerpted_from_its_start(
    tmp_path: Path,
) -> None:
    vault = _vault_with(tmp_path, "Lenses/The Walk.md", "from:: 0:02\n", "")
    (vault / "video_transcripts" / "a-walk-in-the-park.timestamps.json").unlink()

    report = import_vault(vault, tmp_path / "out")

    assert report.ok and report.validation.errors == ()
    video = (tmp_path / "out" / "videos" / "a-walk-in-the-park.md").read_text()
    assert "0:00 Here we go. We stop at the old oak" in video
    assert any("one line at 0:00" in n.message for n in report.notes)


def test_a_video_excerpt_without_an_end_runs_to_the_last_timed_word(tmp_path: Path) -> None:
    vault = _vault_with(tmp_path, "Lenses/The Walk.md", "to:: 0:07.5\n", "")
    import_vault(vault, tmp_path / "out")
    walk = _module(tmp_path / "out", "observing")["outcomes"][1]["sections"][1]
    assert walk["segments"][0]["to_s"] == 8  # "pond." starts at 7.9 s
    (vault / "video_transcripts" / "a-walk-in-the-park.timestamps.json").unlink()
    report = import_vault(vault, tmp_path / "again")
    assert ("Lenses/The Walk.md", 5) in {
        (n.file, n.line) for n in report.notes if n.message.startswith("give `to::`")
    }


def test_a_transcript_with_marked_lines_keeps_them(tmp_path: Path) -> None:
    vault = _vault_with(
        tmp_path,
        "video_transcripts/a-walk-in-the-park.md",
        "Here we go. We stop at the old oak and look at its bark. Then we walk on to the pond.",
        "0:00 - Here we go.\n0:02 - We stop at the old oak.\n0:06 - Then the pond.",
    )
    (vault / "video_transcripts" / "a-walk-in-the-park.timestamps.json").unlink()

    report = import_vault(vault, tmp_path / "out")

    assert report.ok
    walk = _module(tmp_path / "out", "observing")["outcomes"][1]["sections"][1]
    assert walk["segments"][0]["transcript"] == "We stop at the old oak. Then the pond."


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
    assert main(["content", "import", "lens", str(VAULT), str(tmp_path / "a")]) == 0
    printed = capsys.readouterr().out
    assert "wrote 1 courses, 2 modules, 1 articles, 1 videos" in printed
    assert "courses/field-notes.md:14: warning:" in printed
    assert main(["content", "validate", str(tmp_path / "a")]) == 0
    assert main(["content", "build", str(tmp_path / "a"), "--out", str(tmp_path / "b.json")]) == 0
    capsys.readouterr()
    vault = _vault_with(tmp_path, "Lenses/The Walk.md", "", ROLEPLAY)
    code = main(["content", "import", "lens", "--json", str(vault), str(tmp_path / "c")])
    document = json.loads(capsys.readouterr().out)
    assert code == 1 and document["ok"] is False
    assert {"file": "Lenses/The Walk.md", "line": 25} in [
        {"file": note["file"], "line": note["line"]} for note in document["notes"]
    ]
    assert main(["content", "import", "lens", str(VAULT), str(tmp_path / "a")]) == 2
    assert main(["content", "import", "lens", str(tmp_path), str(tmp_path / "d")]) == 2


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
