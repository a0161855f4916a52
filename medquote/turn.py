"""One chat turn as one value: what `Engine.answer` computes once and every front end reads.

`Turn` carries the reply (records.Reply: no rendered text; answer.render renders it at the
edge), the safety verdict with its reasons and the classifier's probabilities, the text
retrieval searched (cleaned and spell-corrected), the earlier message a follow-up was read with,
and the query vector. The chat keeps each turn's shown quote ids with the page (a vote stores
what was shown), the evaluation and its report's triggers read the verdict, the score parts and the
gate's decision instead of working them out again. It does not compute anything; see engine.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from answer.safety import Safety
from records import Reply

from .gate import Decision

NO_VERDICT = Safety(False, False, False)


@dataclass(frozen=True)
class Turn:
    message: str  # as received ("" for a value that was not text)
    reply: Reply
    safety: Safety = NO_VERDICT  # this message alone, whatever came before; NO_VERDICT for refused input
    scores: tuple[float, float, float] | None = None  # the classifier's (emergency, crisis, personal); None: rules alone
    search_text: str = ""  # the message as searched: cleaned, spell-corrected ("" when nothing was searched)
    context: str = ""  # the earlier message(s) a follow-up was read with, spell-corrected, or ""
    query: np.ndarray | None = None  # the vector retrieval searched with (None when nothing was searched)
    gate: Decision | None = None  # which rule of the gate (gate.py) settled it, and its threshold; None: not searched

    @property
    def quote_ids(self) -> tuple[str, ...]:
        """The ids of the passages this reply shows, in order: what a vote on it is about."""
        return tuple(q.chunk.id for q in self.reply.quotes)
