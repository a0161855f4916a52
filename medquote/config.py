"""Run-time settings from the environment, with the defaults a laptop user expects.

MEDQUOTE_CORPUS (corpus folder), MEDQUOTE_INDEX_DIR (built index), MEDQUOTE_HOST and
MEDQUOTE_PORT (server; loopback unless told otherwise), MEDQUOTE_EMERGENCY_NUMBER (shown in
the emergency notice), MEDQUOTE_QUEUE_SIZE (bounded request queue). Nothing else is read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from answer import strings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Config:
    corpus_dir: Path
    index_dir: Path
    host: str
    port: int
    emergency_number: str
    queue_size: int


class ConfigError(Exception):
    """A setting that cannot be used. The message names it."""


def _int(env, name: str, default: int, low: int, high: int) -> int:
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


def from_env(env: dict | None = None) -> Config:
    env = os.environ if env is None else env
    return Config(
        corpus_dir=Path(env.get("MEDQUOTE_CORPUS") or PROJECT_ROOT / "corpus"),
        index_dir=Path(env.get("MEDQUOTE_INDEX_DIR") or PROJECT_ROOT / ".index"),
        # A hosting platform (e.g. a Hugging Face Space) says where to bind via GRADIO_SERVER_*.
        host=env.get("MEDQUOTE_HOST") or env.get("GRADIO_SERVER_NAME") or "127.0.0.1",
        port=_int({"MEDQUOTE_PORT": env.get("MEDQUOTE_PORT") or env.get("GRADIO_SERVER_PORT")}, "MEDQUOTE_PORT", 7860, 1, 65535),
        emergency_number=env.get("MEDQUOTE_EMERGENCY_NUMBER") or strings.DEFAULT_EMERGENCY_NUMBER,
        # 0 refuses every request (the load test uses it to see clean "busy" replies).
        queue_size=_int(env, "MEDQUOTE_QUEUE_SIZE", 64, 0, 10_000),
    )
