"""What a build records and what a server reads are the same bytes, and failures say what to run
(a review of the index's promises, session 20): inputs edited mid-build, the export's tokenizer
files, a killed ingest child, a damaged cache record, another encoder's index."""

from __future__ import annotations

import hashlib
import json

import pytest

from index import FakeEmbedder, IndexUnavailable, ModelError, build_index, open_index
from index.build import input_hashes
from index.store import read_manifest
from ingest import IngestError


class EditsDuringBuild(FakeEmbedder):
    """The fake encoder, appending a paragraph to `doc` while the build embeds (as a `git pull`
    during an ingest would)."""

    def __init__(self, doc):
        super().__init__()
        self.doc, self.edited = doc, False

    def encode(self, texts, batch_size=32, progress=False):
        if not self.edited:
            self.edited = True
            self.doc.write_text(self.doc.read_text(encoding="utf-8") + "\n\nA paragraph added mid-build.\n", encoding="utf-8")
        return super().encode(texts, batch_size=batch_size, progress=progress)


def test_a_source_edited_during_a_build_is_never_recorded_as_indexed(tmp_corpus, tmp_path):
    build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    served = (tmp_path / "current").resolve()
    with pytest.raises(IngestError, match="changed while the index was being built"):
        build_index(tmp_corpus, EditsDuringBuild(tmp_corpus / "002_3ac21db952cf9835.txt"), tmp_path, reuse=False)
    assert (tmp_path / "current").resolve() == served  # the last good build still serves
    with pytest.raises(IndexUnavailable):  # and is stale now, so it is rebuilt, not served
        open_index(tmp_corpus, FakeEmbedder(), tmp_path, rebuild=False)
    open_index(tmp_corpus, FakeEmbedder(), tmp_path)  # rebuilt from the edited files
    assert read_manifest(tmp_path)[1]["documents"] == input_hashes(tmp_corpus)


def _export(folder, tokenizer=b'{"version": "1.0"}', settings=b'{"max_seq_length": 256}'):
    from index.serving import ONNX_FILE, RECORD_FILE, SETTINGS_FILE, TOKENIZER_FILE, Export

    folder.mkdir(parents=True, exist_ok=True)
    (folder / ONNX_FILE).write_bytes(b"not really onnx")
    (folder / TOKENIZER_FILE).write_bytes(tokenizer)
    (folder / SETTINGS_FILE).write_bytes(settings)
    sha = lambda b: hashlib.sha256(b).hexdigest()  # noqa: E731
    record = Export(onnx_sha256=sha(b"not really onnx"), weights_sha256="w", model="m", recipe="r",
                    tokenizer_sha256=sha(tokenizer), settings_sha256=sha(settings))
    (folder / RECORD_FILE).write_text(json.dumps(record.__dict__), encoding="utf-8")
    return record


@pytest.mark.parametrize("damage", ["tokenizer", "settings", "delete settings"])
def test_an_export_whose_tokenizer_files_changed_is_not_intact(tmp_path, damage):
    from index.serving import SETTINGS_FILE, TOKENIZER_FILE, _intact, read_export

    folder = tmp_path / "onnx"
    _export(folder)
    record = read_export(folder)
    assert record is not None and _intact(folder, record, "w")
    if damage == "tokenizer":
        (folder / TOKENIZER_FILE).write_bytes(b'{"version": "1.0"')  # truncated
    elif damage == "settings":
        (folder / SETTINGS_FILE).write_bytes(b'{"max_seq_length": 512}')
    else:
        (folder / SETTINGS_FILE).unlink()
    assert not _intact(folder, record, "w")  # so `medquote ingest` exports it again


def test_a_damaged_tokenizer_is_a_model_error_naming_the_fix(tmp_path):
    from index.onnx_embedder import OnnxEmbedder
    from index.serving import ONNX_FILE, TOKENIZER_FILE

    folder = tmp_path / "onnx"
    record = _export(folder, tokenizer=b'{"truncated": ')
    with pytest.raises(ModelError, match="medquote ingest"):
        OnnxEmbedder(folder / ONNX_FILE, folder / TOKENIZER_FILE, record.onnx_sha256, name="m", weights_sha256="w", recipe="r")


@pytest.mark.parametrize("status, last, reason", [
    (2, "medquote: The corpus folder x does not exist.\n", "The corpus folder x does not exist."),
    (-9, "medquote: Exporting the encoder m to ONNX for serving (seconds, once per model).\n", "exit status -9"),
    (1, "RuntimeError: boom\n", "exit status 1"),
    (1, "", "exit status 1"),
])
def test_a_failed_ingest_child_is_reported_by_its_error_or_its_status(status, last, reason):
    from medquote.engine import child_failure

    message = child_failure(status, last)
    assert reason in message and ("Run `medquote ingest`" in message or status > 0 and last.startswith("medquote: "))


def test_a_cache_record_that_is_not_text_is_a_cache_miss(tmp_path):
    from index.safety_branch import cached

    (tmp_path / "k.onnx").write_bytes(b"branch")
    (tmp_path / "k.sha256").write_bytes(b"\xff\xfe not text")
    assert cached(tmp_path, "k") is None


def test_another_encoders_stale_index_names_its_own_command(tmp_path, corpus_dir):
    from medquote import Engine

    # The server-side rebuild runs plain `medquote ingest`, which builds the served encoder's
    # index: for another encoder it must not, and says what to run instead.
    with pytest.raises(IndexUnavailable, match="--encoder adapted"):
        Engine.load(corpus_dir, tmp_path / "adapted", runtime="onnx", encoder="adapted", model_dir=tmp_path / "store")
