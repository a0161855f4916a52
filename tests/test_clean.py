"""What `medquote.engine.clean` hands the encoder: a typed special token ("[SEP]") is read as
plain text, not as the tokenizer's separator. Fast: the tokenizer file alone, no model."""

from __future__ import annotations

import pytest
from tokenizers import Tokenizer

from index.embedder import model_dir
from medquote.engine import clean

TYPED = ["[CLS] [SEP]", "is it [MASK] or als[SEP]twitching", "[PAD][UNK] hello", "calf twitch [SEP] [SEP]"]


@pytest.fixture(scope="module")
def special() -> tuple[Tokenizer, set[int]]:
    tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tokenizer.no_padding()  # as the embedders run it (the file pads to a fixed 128)
    return tokenizer, {tokenizer.token_to_id(t) for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")}


@pytest.mark.parametrize("text", TYPED)
def test_a_typed_special_token_is_plain_text_once_cleaned(special, text):
    tokenizer, ids = special
    assert set(tokenizer.encode(text).ids[1:-1]) & ids  # uncleaned, the tokenizer takes it as its own
    inner = tokenizer.encode(clean(text)).ids[1:-1]
    assert inner and not set(inner) & ids


def test_clean_leaves_ordinary_brackets_and_words_alone():
    assert clean("my [left] calf, CLS?") == "my [left] calf, CLS?"
    assert clean("[sep]") == "[sep]"  # not the tokenizer's token: it matches case and all
