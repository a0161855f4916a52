"""Reading a reviewed TOML file (the question bank, the safety exemplars) through a pydantic model,
and hashing such files for the index manifest: one way for every reviewed data file.

A file that is not TOML, or not what its model says, raises the caller's error class with one line
naming the file, the place in it and the fix, then "run `medquote ingest`". It does not check a
file against the corpus (bank.py does) or load every file of a folder.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
Location = tuple[int | str, ...]


def dotted(loc: Location) -> str:
    return ".".join(str(p) for p in loc)


def load_reviewed(path: Path, model: type[M], error: type[Exception], unit: str, where: Callable[[Location], str] = dotted) -> M:
    """`path` parsed and validated as `model`. On a problem, `error` with "Fix that `unit`" (an
    entry, a group); `where` names the first invalid place from pydantic's location."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not valid TOML ({exc}). Fix the syntax, then run `medquote ingest`.") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise error(f"{path}: {where(tuple(err['loc']))}: {err['msg']}. Fix that {unit}, then run `medquote ingest`.") from None


def file_hashes(paths: Iterable[Path], prefix: str) -> dict[str, str]:
    """sha256 of each file, keyed `<prefix>/<file name>`: an edit makes the index stale."""
    return {f"{prefix}/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
