"""Importing a course vault written for the predecessor platform (Lens Academy).

`roundtable content import lens SRC DEST` reads an Obsidian vault in that
format (modules/, courses/, Lenses/, Learning Outcomes/, articles/,
video_transcripts/) and writes the same course in Roundtable's own format
(docs/content.md), keeping every id so learners' progress keeps its meaning.
What cannot be carried over is reported by file and line. The mapping is in
docs/content.md, "Importing a Lens Academy vault".
"""
