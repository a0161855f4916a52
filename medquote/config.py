"""Run-time settings from the environment, with the defaults a laptop user expects.

The only place medquote reads its environment; everything else gets a Config (or one of its
values) passed in. MEDQUOTE_CORPUS (corpus folder), MEDQUOTE_INDEX_DIR (built index),
MEDQUOTE_HOST and MEDQUOTE_PORT (server; loopback unless told otherwise, or a hosting
platform's GRADIO_SERVER_NAME/PORT), MEDQUOTE_EMERGENCY_NUMBER (shown in the emergency notice),
MEDQUOTE_QUEUE_SIZE (bounded request queue), MEDQUOTE_TORCH_THREADS (threads per encode call),
MEDQUOTE_FEEDBACK_DB (unset = feedback off), MEDQUOTE_MODEL_DIR (trained encoders). Nothing else is read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from answer import strings
from records import MedquoteError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Config:
    corpus_dir: Path
    index_dir: Path
    host: str
    port: int
    emergency_number: str
    queue_size: int
    torch_threads: int = 0  # 0: torch's own default
    feedback_db: Path | None = None  # None: feedback is off
    model_dir: Path = PROJECT_ROOT / ".models"  # trained encoders (build artifacts, see index/models.py)


class ConfigError(MedquoteError):
    """A setting that cannot be used. The message names it."""


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def _int(env: Mapping[str, str | None], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number.") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={value} must be between {low} and {high}.")
    return value


def port_number(raw: str | None, name: str) -> int:
    """A TCP port from `name` (the variable or the --port flag), 7860 when not given."""
    return _int({name: raw}, name, 7860, 1, 65535)


def emergency_number(raw: str | None) -> str:
    """The number the emergency notice tells people to call: one short line of its own, since it
    is put into a fixed, reviewed sentence (answer/strings.py) on every emergency reply."""
    if raw is None or raw == "":
        return strings.DEFAULT_EMERGENCY_NUMBER
    number = raw.strip()
    if not number or len(number) > 20 or not re.fullmatch(r"[0-9A-Za-z+#*() -]+", number):
        raise ConfigError(f"MEDQUOTE_EMERGENCY_NUMBER={raw!r} must be a phone number on one line "
                          "(digits, letters, spaces, + - # * ( ); at most 20 characters), for example 112.")
    return number


def torch_threads(env: Mapping[str, str] | None = None) -> int:
    """MEDQUOTE_TORCH_THREADS, else cores/2 (at most 4). Up to 2 requests run at once on Gradio
    worker threads, each with its own OpenMP team: more than cores/2 threads per call only
    contend (measured in docs/performance.md)."""
    return _int(_env(env), "MEDQUOTE_TORCH_THREADS", max(1, min(4, (os.cpu_count() or 1) // 2)), 0, 1024)


def feedback_db(env: Mapping[str, str] | None = None) -> Path | None:
    """The feedback database the operator named (MEDQUOTE_FEEDBACK_DB), or None: off by default."""
    path = _env(env).get("MEDQUOTE_FEEDBACK_DB", "").strip()
    return Path(path) if path else None


def model_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where trained encoders are kept (MEDQUOTE_MODEL_DIR, default .models/): shared by every
    index folder, so a test's temporary index does not train the model again."""
    return Path(_env(env).get("MEDQUOTE_MODEL_DIR") or PROJECT_ROOT / ".models")


def child_env(corpus_dir: Path, index_dir: Path, model_dir: Path, torch_threads: int) -> dict[str, str]:
    """This process's environment with these settings, for a `medquote` command run as a child
    process on the same folders (the server builds a stale index so: medquote/engine.py)."""
    return {**os.environ, "MEDQUOTE_CORPUS": str(corpus_dir), "MEDQUOTE_INDEX_DIR": str(index_dir),
            "MEDQUOTE_MODEL_DIR": str(model_dir), "MEDQUOTE_TORCH_THREADS": str(torch_threads)}


def from_env(env: Mapping[str, str] | None = None) -> Config:
    env = _env(env)
    return Config(
        corpus_dir=Path(env.get("MEDQUOTE_CORPUS") or PROJECT_ROOT / "corpus"),
        index_dir=Path(env.get("MEDQUOTE_INDEX_DIR") or PROJECT_ROOT / ".index"),
        # A hosting platform (e.g. a Hugging Face Space) says where to bind via GRADIO_SERVER_*.
        host=env.get("MEDQUOTE_HOST") or env.get("GRADIO_SERVER_NAME") or "127.0.0.1",
        port=port_number(env.get("MEDQUOTE_PORT") or env.get("GRADIO_SERVER_PORT"), "MEDQUOTE_PORT"),
        emergency_number=emergency_number(env.get("MEDQUOTE_EMERGENCY_NUMBER")),
        # 0 refuses every request (the load test uses it to see clean "busy" replies).
        queue_size=_int(env, "MEDQUOTE_QUEUE_SIZE", 64, 0, 10_000),
        torch_threads=torch_threads(env),
        feedback_db=feedback_db(env),
        model_dir=model_dir(env),
    )
