"""Reviewed TOML files (bank, exemplars) are read one way: errors name the file, the place and the fix."""

from __future__ import annotations

import pytest

from index.screen import exemplar_hashes, load_exemplars
from ingest import BankError, IngestError, bank_hashes

GROUP = "version = 1\n[[group]]\nlabel = 'crisis'\ncategory = 'plans'\nmessages = ['I have decided to end it tonight']\n"


def test_exemplar_files_load_and_hash_like_the_bank(tmp_path):
    (tmp_path / "a.toml").write_text(GROUP, encoding="utf-8")
    [one] = load_exemplars(tmp_path)
    assert (one.label, one.category, one.text) == ("crisis", "plans", "I have decided to end it tonight")
    assert list(exemplar_hashes(tmp_path)) == ["exemplars/a.toml"] and len(exemplar_hashes(tmp_path)["exemplars/a.toml"]) == 64


@pytest.mark.parametrize(("text", "where"), [
    ("[[group]\nlabel = 'x'", "not valid TOML"),
    (GROUP.replace("'crisis'", "'panic'"), "group.0.label"),
    (GROUP + "colour = 'red'\n", "group.0.colour"),
])
def test_a_bad_exemplar_file_names_the_file_the_group_and_the_fix(tmp_path, text, where):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IngestError) as caught:
        load_exemplars(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and where in message and message.endswith("then run `medquote ingest`.")
    assert "Fix that group" in message or "Fix the syntax" in message
    assert not isinstance(caught.value, BankError)


def test_bank_hashes_are_keyed_by_the_bank_folder(tmp_path):
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "000_x.toml").write_text("version = 1\n", encoding="utf-8")
    assert list(bank_hashes(tmp_path)) == ["questions/000_x.toml"]
