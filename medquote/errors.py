"""The one handler for every known failure, shared by the `medquote` command and `python app.py`.

Every known failure derives from records.MedquoteError (IngestError, BankError, IndexUnavailable,
ModelError, GoldError, ConfigError, FeedbackError, UnknownValue): the handler prints its message
as one line, `medquote: <what is wrong and the fix>`, and exits with status 2; never a stack
trace. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from records import MedquoteError

__all__ = ["MedquoteError", "handled"]


def handled(run: Callable[[], int]) -> int:
    """The exit status of `run()`, with known failures reported as one line."""
    try:
        return run()
    except MedquoteError as exc:
        print(f"medquote: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `medquote ask ... | head`: the reader left; nothing to report
        sys.stderr.close()
        return 0
