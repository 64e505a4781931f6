"""A merge copies each document's stored fields as stored
(``merging._copy_per_doc``): the merged segment reads back as the one
Whoosh's ``write_per_doc`` makes, deletions included."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from paperbrowse.core.engine import merging
from paperbrowse.core.engine import whoosh_compat as wc
from paperbrowse.core.engine.codec import ArrayCodec
from paperbrowse.core.engine.segments import ArraySegmentWriter
from paperbrowse.core.index import _paper_doc, make_schema
from paperbrowse.core.sources.captures import bundled_corpus_dir, load_captures


@pytest.fixture(scope="module")
def papers():
    return load_captures(sorted(bundled_corpus_dir().glob("*.txt"))).papers


def _merged(folder: Path, papers, whooshs: bool, monkeypatch) -> dict:
    with monkeypatch.context() as patch:
        return _merge(folder, papers, whooshs, patch)


def _merge(folder: Path, papers, whooshs: bool, monkeypatch) -> dict:
    """Merge three segments of ``papers`` (one document deleted) and read
    back every document's stored fields, field lengths and column values,
    and the field length totals."""
    if whooshs:
        monkeypatch.setattr(
            merging, "_copy_per_doc", lambda out, names, reader: out.write_per_doc(names, reader)
        )
    else:

        def refuse(*args):
            raise AssertionError("the merge fell back to Whoosh's write_per_doc")

        monkeypatch.setattr(ArraySegmentWriter, "write_per_doc", refuse)
    folder.mkdir()
    schema = make_schema()
    ix = whoosh_index.create_in(str(folder), schema)
    third = len(papers) // 3
    for part in range(3):
        writer = ArraySegmentWriter(ix, codec=ArrayCodec())
        for pos in range(part * third, (part + 1) * third):
            writer.add_document(**_paper_doc(papers[pos], pos))
        writer.commit(merge=False)
    writer = ix.writer()
    writer.delete_document(third + 2)
    writer.commit(merge=False)
    writer = ArraySegmentWriter(ix, codec=ArrayCodec())
    merged = merging.merge_segments(writer, ix._segments())
    wc.commit_toc(writer, [merged])
    wc.finish(writer)
    ix = whoosh_index.open_dir(str(folder))
    out = {}
    with ix.reader() as reader:
        assert len(ix._segments()) == 1
        names = [n for n in schema.names() if schema[n].scorable]
        columns = [n for n in schema.names() if schema[n].column_type]
        for docnum in reader.all_doc_ids():
            out[docnum] = (
                reader.stored_fields(docnum),
                [reader.doc_field_length(docnum, n) for n in names],
                [reader.column_reader(n)[docnum] for n in columns],
            )
        out["totals"] = [reader.field_length(n) for n in names]
    return out


def test_a_merge_copies_per_document_data_as_whoosh_does(tmp_path, papers, monkeypatch):
    ours = _merged(tmp_path / "ours", papers, False, monkeypatch)
    whooshs = _merged(tmp_path / "whooshs", papers, True, monkeypatch)
    assert len(ours) == len(papers) // 3 * 3 - 1 + 1  # one deleted; plus the totals
    totals, whoosh_totals = ours.pop("totals"), whooshs.pop("totals")
    assert ours == whooshs
    assert all(ours[key][0] for key in ours)
    # field length totals: Whoosh adds up the documents' one-byte lengths;
    # segments copied a column at a time keep their exact totals (the
    # scores of a merged index are the unmerged one's: test_writing.py)
    assert totals != whoosh_totals
    assert all(abs(a - b) <= 0.02 * b for a, b in zip(totals, whoosh_totals, strict=True))
