"""JSON Lines records that used to crash an import (issue 15, repro 3): every line
gives a paper or an error naming the file, the line and the reason; the good
lines around a bad one are imported."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from paperbrowse.core.models import Paper
from paperbrowse.core.sources.common import SourceError
from paperbrowse.core.sources.jsonl import FIELD_TYPES, read_jsonl, snapshot_record

GOOD = {"id": "9901.00001", "title": "A good paper", "authors": "A. One", "abstract": "Text."}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def good(n: int) -> str:
    return json.dumps({**GOOD, "id": f"9901.{n:05d}", "title": f"A good paper {n}"})


BAD_LINES = {
    "created as a number": (
        '{"id":"9901.00054","title":"T","authors":"X","abstract":"a","versions":[{"created":5}]}',
        "'versions[0].created' must be a date string, not 5",
    ),
    "nested arrays": ("[" * 2000, "JSON nested too deeply"),
    "authors as an object": (
        '{"id":"9901.00055","title":"T","authors":{"a":1},"abstract":"a"}',
        "'authors' must be a string, not an object",
    ),
    "abstract as a list": (
        '{"id":"9901.00056","title":"T","authors":"X","abstract":["a"]}',
        "'abstract' must be a string, not an array",
    ),
    "numeric id": ('{"id":9901.00057,"title":"T"}', "'id' must be a string, not 9901.00057"),
    "title as true": ('{"id":"9901.00058","title":true}', "'title' must be a string, not True"),
    "versions of strings": (
        '{"id":"9901.00059","title":"T","versions":["v1"]}',
        "'versions[0]' must be an object, not a string",
    ),
}


def test_bad_lines_are_reported_by_file_line_and_reason_and_the_rest_read(tmp_path):
    lines = [good(1)]
    for bad, _ in BAD_LINES.values():
        lines += [bad, good(len(lines) + 1)]
    path = write_lines(tmp_path / "mixed.jsonl", lines)

    records = list(read_jsonl(path))

    assert len(records) == len(lines)
    papers = [r for r in records if isinstance(r, Paper)]
    errors = [r for r in records if isinstance(r, SourceError)]
    assert len(papers) == len(BAD_LINES) + 1
    assert [e.location for e in errors] == [f"line {2 * k + 2}" for k in range(len(BAD_LINES))]
    assert all(e.source == "mixed.jsonl" for e in errors)
    for error, (_, reason) in zip(errors, BAD_LINES.values(), strict=True):
        assert reason in error.reason


def test_a_lone_surrogate_is_replaced_not_left_to_fail_later(tmp_path):
    path = write_lines(
        tmp_path / "s.jsonl",
        ['{"id":"9901.00060","title":"Broken \\ud800 title","abstract":"x \\udfff y"}'],
    )
    (paper,) = list(read_jsonl(path))
    assert paper.title == "Broken \ufffd title"
    assert paper.abstract == "x \ufffd y"
    paper.title.encode("utf-8")  # storable
    json.dumps(paper.to_dict(), ensure_ascii=False).encode("utf-8")


def test_a_surrogate_written_as_bytes_is_replaced_too(tmp_path):
    # json.loads decodes bytes with "surrogatepass": UTF-8-encoded surrogates
    # (ED A0 80) become lone surrogates without any \u escape in the line
    path = tmp_path / "b.jsonl"
    path.write_bytes(
        b'{"id":"9901.00061","title":"Raw \xed\xa0\x80 bytes","abstract":"fine"}\n'
        b'{"id":"9901.00062","title":"Clean \\u00e9 title",'
        b'"authors_parsed":[["M\xc3\xbcller","A",""]]}\n'
    )
    first, second = list(read_jsonl(path))
    assert first.title == "Raw \ufffd bytes"
    assert second.title == "Clean \u00e9 title" and second.names[0].family == "M\u00fcller"


def test_a_surrogate_record_does_not_drop_its_batch(tmp_path, locations, corpus, library):
    from paperbrowse.core.ingest import import_records

    lines = [good(n) for n in range(1, 6)]
    lines.insert(2, '{"id":"9901.00061","title":"Broken \\ud800 title"}')
    lines.insert(4, '{"id":"9901.00054","title":"T","versions":[{"created":5}]}')
    path = write_lines(tmp_path / "batch.jsonl", lines)

    summary = import_records(read_jsonl(path), locations=locations, corpus=corpus, library=library)

    assert summary.added == 6
    assert [(e.location, e.reason[:25]) for e in summary.errors] == [
        ("line 5", "'versions[0].created' mus")
    ]
    assert library.stored_count() == 6


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(alphabet=st.characters(codec=None, categories=None)),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
field_values = st.fixed_dictionaries(
    {},
    optional={key: json_values for key in FIELD_TYPES}
    | {
        "id": st.one_of(json_values, st.sampled_from(["9901.00001", "cond-mat/0603029", ""])),
        "versions": st.lists(
            st.one_of(json_values, st.fixed_dictionaries({"created": json_values})), max_size=3
        ),
        "authors_parsed": st.lists(st.lists(json_values, max_size=4), max_size=3),
    },
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(json_values, field_values))
def test_no_json_value_makes_the_record_parser_raise(value):
    record = snapshot_record(value, "f.jsonl", 7)
    assert isinstance(record, (Paper, SourceError))
    if isinstance(record, SourceError):
        assert record.location == "line 7" and record.reason
    else:
        json.dumps(record.to_dict(), ensure_ascii=False).encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(st.one_of(json_values, field_values))
def test_no_json_line_makes_the_reader_raise(tmp_path_factory, value):
    path = tmp_path_factory.mktemp("h") / "h.jsonl"
    path.write_text(json.dumps(value) + "\n" + good(1) + "\n", encoding="utf-8")
    records = list(read_jsonl(path))
    assert len(records) == 2 and isinstance(records[1], Paper)
