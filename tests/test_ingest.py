"""Ingest invariants: every chunk is an exact slice of its raw document, and no chunk
touches boilerplate. These are medquote's `decode(encode(x)) == x`."""

from __future__ import annotations

import re

import pytest

from ingest import MAX_CHARS, IngestError, chunk_corpus, chunk_document, corpus_hashes, find_boilerplate, read_corpus


def test_every_chunk_is_an_exact_slice(corpus):
    docs, chunks = corpus
    raws = {d.doc_id: d.raw for d in docs}
    assert chunks
    for c in chunks:
        assert raws[c.doc_id][c.start:c.end] == c.text


def test_raw_text_is_the_file_bytes(corpus):
    docs, _ = corpus
    for d in docs:
        with open(d.path, "rb") as fh:
            assert d.raw.encode("utf-8") == fh.read()


def test_no_chunk_overlaps_boilerplate(corpus):
    docs, chunks = corpus
    spans = {d.doc_id: find_boilerplate(d.raw) for d in docs}
    for c in chunks:
        for s in spans[c.doc_id]:
            assert c.end <= s.start or c.start >= s.end, (c.id, s)


@pytest.mark.parametrize("needle", [
    "Skip to Content", "Share to:", "[Read More]", "Similar Q&A", "Related FAQ",
    "Are Muscle Twitches a Symptom of MS or ALS? (1)", "Arline Emard", "Hintz Shore", "+13454700762376",
    "Ask Date:", "Reply Date:", "Top Articles", "Author information", "Paintball",
    "(which are difficult to translate into Chinese)",  # only in a truncated teaser
])
def test_boilerplate_text_is_never_chunked(corpus, needle):
    _, chunks = corpus
    assert not [c.id for c in chunks if needle in c.text]


def test_every_document_has_chunks_and_known_kinds(corpus):
    docs, chunks = corpus
    for d in docs:
        kinds = {c.kind for c in chunks if c.doc_id == d.doc_id}
        assert kinds, d.doc_id
        expected = {"question", "reply", "more_info"} if d.meta.kind == "qa" else {"article"}
        assert kinds == expected, (d.doc_id, kinds)


def test_chunks_are_whole_sentences_of_bounded_size(corpus):
    _, chunks = corpus
    for c in chunks:
        assert c.text == c.text.strip()
        assert len(c.text) <= MAX_CHARS, c.id
        # ends at a sentence end or a list item / heading-like line end, never mid-word
        assert re.search(r"[.!?:)\"”’,a-zA-Z0-9]$", c.text), c.id


def test_sections_follow_headings(corpus):
    _, chunks = corpus
    by_start = {(c.doc_id[:3], c.text[:40]): c for c in chunks}
    assert by_start[("000", "There is no single test that can diagnos")].section == "Diagnosing ALS"
    assert by_start[("004", "ALS affects motor neurons — nerves that ")].section == "Does ALS cause muscle twitching?"
    reply = by_start[("001", "Hello: The ALS you are concerned about p")]
    assert (reply.kind, reply.section) == ("reply", "Muscle twitching")


def test_chunking_is_deterministic(corpus, corpus_dir):
    assert chunk_corpus(corpus_dir)[1] == corpus[1]


def test_new_markdown_document_is_ingested_the_same_way(tmp_corpus):
    (tmp_corpus / "005_new.md").write_text(
        "A new page\n\nShare to:\n\nWhat is new?\n\nThis is the first sentence. This is another one.\n",
        encoding="utf-8",
    )
    with open(tmp_corpus / "sources.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[documents.005_new]\ntitle = "A new page"\nkind = "article"\ndate = ""\n')
    docs, chunks = chunk_corpus(tmp_corpus)
    new = [c for c in chunks if c.doc_id == "005_new"]
    assert [c.text for c in new] == ["This is the first sentence. This is another one."]
    assert new[0].section == "What is new?"


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe not utf-8 \xc3\x28", "not valid UTF-8"),
    (b"   \n\n", "is empty"),
])
def test_bad_file_stops_ingest_naming_it(tmp_corpus, content, message):
    (tmp_corpus / "000_7bc7a14333f16656.txt").write_bytes(content)
    with pytest.raises(IngestError, match=message) as err:
        read_corpus(tmp_corpus)
    assert "000_7bc7a14333f16656.txt" in str(err.value)


def test_document_without_metadata_is_refused(tmp_corpus):
    (tmp_corpus / "new.txt").write_text("Title\n\nSome text.\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"new\.txt has no entry"):
        read_corpus(tmp_corpus)


def test_crlf_documents_keep_exact_offsets(tmp_corpus):
    path = tmp_corpus / "000_7bc7a14333f16656.txt"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    docs = read_corpus(tmp_corpus)
    doc = docs[0]
    chunks = chunk_document(doc)
    assert chunks and all(doc.raw[c.start:c.end] == c.text for c in chunks)


def test_corpus_documents_are_byte_for_byte_the_shared_sources(corpus_dir):
    """The five sources must stay exactly as shared (../shared/corpus/SHA256SUMS beside the clone)."""
    import hashlib

    sums = corpus_dir.parent.parent / "shared" / "corpus" / "SHA256SUMS"
    if not sums.is_file():
        pytest.skip("no ../shared/corpus/SHA256SUMS beside this checkout")
    for line in sums.read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((corpus_dir / name.lstrip("*")).read_bytes()).hexdigest() == digest, name


def test_a_missing_corpus_folder_names_the_setting_to_fix(tmp_path):
    # Before, a wrong MEDQUOTE_CORPUS gave a FileNotFoundError traceback from every command.
    for missing in (tmp_path / "nowhere", tmp_path / "a.txt"):
        if missing.suffix:
            missing.write_text("not a folder")
        for read in (read_corpus, corpus_hashes):  # corpus_hashes: every command's staleness check
            with pytest.raises(IngestError, match="MEDQUOTE_CORPUS"):
                read(missing)
