"""Array postings hold exactly what Whoosh's own block postings hold, term by term,
and Whoosh's matchers, merges and queries work on them unchanged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index

from paperbrowse.core.engine.codec import ArrayCodec, CompactPositions, PaperCodec
from paperbrowse.core.engine.records import MAGIC, ArrayPostingsWriter, read_term_arrays
from paperbrowse.core.engine.segments import ArraySegmentWriter
from paperbrowse.core.index import _paper_doc, make_schema
from paperbrowse.core.sources.captures import bundled_corpus_dir, load_captures


@pytest.fixture(scope="module")
def papers():
    return load_captures(sorted(bundled_corpus_dir().glob("*.txt"))).papers


def _write(folder: Path, papers, codec, schema=None, writer_class=None):
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema or make_schema())
    writer = writer_class(ix, codec=codec) if writer_class else ix.writer(codec=codec)
    for pos, paper in enumerate(papers):
        writer.add_document(**_paper_doc(paper, pos))
    writer.commit()
    return whoosh_index.open_dir(str(folder))


def _postings(reader, field, btext):
    m = reader.postings(field, btext)
    out = []
    while m.is_active():
        out.append((m.id(), m.weight(), m.value() or b""))  # W3 gives None for no value
        m.next()
    return out


@pytest.mark.parametrize("pool", ["memory pool", "whoosh's pool"])
def test_every_term_holds_what_whooshs_blocks_hold(tmp_path: Path, papers, pool) -> None:
    writer_class = ArraySegmentWriter if pool == "memory pool" else None
    ours = _write(tmp_path / "array", papers, ArrayCodec(), writer_class=writer_class)
    theirs = _write(tmp_path / "w3", papers, PaperCodec())
    with ours.reader() as a, theirs.reader() as b:
        assert list(a.all_terms()) == list(b.all_terms())
        checked = 0
        for field, btext in b.all_terms():
            expected = _postings(b, field, btext)
            assert _postings(a, field, btext) == expected, (field, btext)
            assert a.doc_frequency(field, btext) == b.doc_frequency(field, btext)
            assert a.frequency(field, btext) == b.frequency(field, btext)
            ti_a, ti_b = a.term_info(field, btext), b.term_info(field, btext)
            assert (ti_a.min_length(), ti_a.max_length(), ti_a.max_weight()) == (
                ti_b.min_length(),
                ti_b.max_length(),
                ti_b.max_weight(),
            )
            arrays = read_term_arrays(a._terms._postfile, a._terms.term_info(field, btext))
            assert arrays.ids.tolist() == [d for d, _, _ in expected]
            assert arrays.weights.tolist() == [w for _, w, _ in expected]
            fmt = a.schema[field].format
            if isinstance(fmt, CompactPositions):
                flat = [p for _, _, v in expected for p in fmt.decode_positions(v)]
                assert arrays.positions.tolist() == flat
            else:
                assert arrays.positions is None
            checked += 1
        assert checked > 10_000


def test_searches_and_a_merge_through_whooshs_matchers(tmp_path: Path, papers) -> None:
    ours = _write(tmp_path / "array", papers, ArrayCodec())
    theirs = _write(tmp_path / "w3", papers, PaperCodec())
    queries = ["diffusion", '"language model"', "latent NOT video", "diff*", "year:[2023 TO 2024]"]

    def results(ix):
        from whoosh import qparser

        parser = qparser.MultifieldParser(["title", "abstract"], ix.schema)
        with ix.searcher() as s:
            return [
                [(h.docnum, round(h.score, 9)) for h in s.search(parser.parse(q), limit=50)]
                for q in queries
            ]

    expected = results(theirs)
    assert results(ours) == expected
    # a second segment, then a merge of both by Whoosh's writer (through ArrayMatcher)
    writer = ours.writer(codec=ArrayCodec())
    for pos, paper in enumerate(papers[:50]):
        writer.add_document(**_paper_doc(paper, 1000 + pos))
    writer.commit(optimize=True)
    with ours.reader() as reader:
        assert reader.doc_count() == len(papers) + 50
        assert len(list(reader.leaf_readers())) == 1
        assert all(isinstance(s.codec(), ArrayCodec) for s in ours._segments())
        term = ("abstract", b"model")
        ids = [d for d, _, _ in _postings(reader, *term)]
        assert ids == sorted(ids)
        with theirs.reader() as old:
            first = [d for d, _, _ in _postings(old, *term)]
        # the writer's own 50 papers come first, then the merged segment's
        assert ids == [d for d in first if d < 50] + [50 + d for d in first]


def test_the_record_format_is_flat_arrays() -> None:
    from io import BytesIO

    from whoosh.codec.whoosh3 import W3TermInfo
    from whoosh.filedb.structfile import StructFile

    buf = BytesIO()
    writer = ArrayPostingsWriter(StructFile(buf))
    fmt = CompactPositions()
    writer.start_postings(fmt, W3TermInfo())
    for doc, positions in [(3, [0, 7]), (9, [2]), (70_000, [1, 5, 9])]:
        writer.add_posting(doc, float(len(positions)), fmt.encode(positions), 10)
    info = writer.finish_postings()
    data = buf.getvalue()
    assert data.startswith(MAGIC)
    ids = np.frombuffer(data, dtype="<u4", count=3, offset=16)
    assert ids.tolist() == [3, 9, 70_000]
    weights = np.frombuffer(data, dtype="u1", count=3, offset=28)  # integers below 256: 1 byte
    assert weights.tolist() == [2, 1, 3]
    positions = np.frombuffer(data, dtype="<u4", count=6, offset=32)
    assert positions.tolist() == [0, 7, 2, 1, 5, 9]
    assert info.doc_frequency() == 3 and info.weight() == 6.0 and info.max_weight() == 3.0
    assert (info.min_id(), info.max_id()) == (3, 70_000)


def _whooshs_word_values(fieldobj, value):
    """The field's postings as Whoosh's own formats compute them (no memo)."""
    fmt = fieldobj.format
    base = next(c for c in type(fmt).__mro__[1:] if c.__module__ == "whoosh.formats")
    plain = base.__new__(base)
    plain.__dict__.update(fmt.__dict__)
    return sorted(
        (w, f, wt, plain.decode_positions(v) if hasattr(plain, "decode_positions") else v)
        for w, f, wt, v in base.word_values(plain, value, fieldobj.analyzer, mode="index")
    )


def _memo_word_values(fieldobj, value):
    fmt = fieldobj.format
    return sorted(
        (w, f, wt, fmt.decode_positions(v) if hasattr(fmt, "decode_positions") else v)
        for w, f, wt, v in fmt.word_values(value, fieldobj.analyzer, mode="index")
    )


def test_memoised_analysis_equals_the_analyzers(papers) -> None:
    schema = make_schema()
    fields = ["title", "abstract", "authors", "organisation", "spell"]
    for paper in papers:
        doc = _paper_doc(paper, 0)
        for name in fields:
            value = doc[name]
            if value:
                assert _memo_word_values(schema[name], value) == _whooshs_word_values(
                    schema[name], value
                ), (name, value[:80])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "WF-VAE",
                "CycleDiffusion",
                "the",
                "β-VAE",
                "Matérn",
                "x2",
                "e.g.",
                "a-b-c",
                "—",
                "state-of-the-art",
                "GPT-4o",
                "'quoted'",
                "3.5",
                "Factorisation",
                "of",
                "and",
            ]
        )
        | st.text(max_size=12),
        max_size=30,
    ).map(" ".join)
)
def test_memoised_analysis_equals_the_analyzers_on_any_text(text: str) -> None:
    schema = make_schema()
    for name in ("abstract", "spell"):
        assert _memo_word_values(schema[name], text) == _whooshs_word_values(schema[name], text)


@pytest.mark.parametrize("sizes", [[4, 0, 8, 4], [3, 0, 5, 1]], ids=["words", "bytes"])
def test_values_are_gathered_in_posting_order(sizes, monkeypatch) -> None:
    from paperbrowse.core.engine import segments

    monkeypatch.setattr(segments, "GATHER_CHUNK", 2)  # several chunks
    values = [bytes(range(10 * n, 10 * n + s)) for n, s in enumerate(sizes)]
    blob = np.frombuffer(b"".join(values), dtype=np.uint8)
    size = np.array(sizes, dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(size)))[:-1]
    order = np.array([2, 0, 3, 1])
    voff = np.concatenate(([0], np.cumsum(size[order])))
    got = segments._gather(blob, offsets[order], size[order], voff)
    assert got.tobytes() == b"".join(values[i] for i in order)
