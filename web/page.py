"""The chat page as Gradio Blocks: landing text, the chat, examples, sources and the /ask API.

Landing: what medquote is, the emergency line and the disclaimer come first (visible without
scrolling on a 320x640 phone); the sources are listed under the chat, each linking to its
whole text. Answers are `answer.render.chat_markdown`: the reply with a "show in context" link
per quote (context.py serves it). The chat is wired here (class Chat) rather than through gr.ChatInterface so that
a user's own message is shown escaped, as literal text: Markdown or HTML typed into the box
must not render (an <img> would fetch from elsewhere). Retry, undo, clear, copy and, when the
operator turns it on, feedback are gr.Chatbot's own controls. Every word comes from
answer.strings, the sources' metadata or a verbatim quote.

Each turn is one `Engine.answer` (`answer_many` for messages that wait together). What the chat
keeps lives in the page (one browser tab's session) and is sent with each event: the history
as shown (gr.Chatbot) and, one to one with its messages, their records (`Shown`, a hidden
gr.JSON): the user's message as typed and, on an answer, the ids of the passages it showed, in
order. A follow-up is read with the earlier messages as typed, taken from the records, never
from the escaped Markdown (which gr.Chatbot also reshapes: it strips leading space and expands
tabs); a vote stores the message and the ids of the passages the voted answer showed. Records
that do not match the history (a page from another version, an edited request) count as
unknown: no context and no vote. The records are not a gr.State: Gradio 6.31 runs a batch with
its first event's session state, which would mix people's chats. So nothing of a chat is kept
on the server beyond the event that carries it (Gradio's in-memory copy of each session's last
inputs aside, app.py caps it and refuses the deep-link route that would save it to a file),
nothing here logs question text, and only a vote, when the operator turns feedback on, is
stored (medquote/feedback.py).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypedDict
from urllib.parse import quote as url_quote

import gradio as gr

from answer import render, strings, to_answer_object
from ingest import SourceMeta
from medquote.turn import Turn

log = logging.getLogger("medquote.web")
# gr.Chatbot reports its thumbs as True/False and other options by their label ("" = withdrawn).
VERDICTS: dict[bool | str, str] = {True: "helpful", False: "not_helpful", strings.FEEDBACK_WRONG_PASSAGE: "wrong_passage"}
FEEDBACK_OPTIONS = ["Like", "Dislike", strings.FEEDBACK_WRONG_PASSAGE]  # "Like"/"Dislike" draw thumbs
# Gradio 6.31 sends a click on an extra feedback option ("Wrong passage") twice; an identical
# vote within this many seconds is that echo, not a second person.
ECHO_SECONDS = 2.0
RELATED_SLOTS = 3
# Up to this many waiting requests share one engine call: MiniLM encodes 16 short questions in
# little more than the time of a few (benchmarks/results/latest.json).
MAX_BATCH = 16
# JSON (the page's records) cannot carry lone surrogates; the engine reads them as spaces anyway.
SURROGATE = re.compile(r"[\ud800-\udfff]")

History = list[dict[str, Any]]  # gr.Chatbot's value: a {"role", "content", ...} per message
Update = dict[str, Any]  # what gr.update(...) returns


class Shown(TypedDict):
    """The page's record of one chat message, at the same position as the message in the history."""

    role: str  # "user" or "assistant", as the message's
    message: str | None  # the user's message as typed, on both messages of its turn; None: not known
    quotes: list[str] | None  # an answer's shown passage ids, in order; None on a user message or not known


class Answerer(Protocol):
    """What the chat needs of medquote.Engine (tests pass doubles)."""

    @property
    def sources(self) -> Mapping[str, SourceMeta]: ...

    def answer(self, message: str, previous: Sequence[str] = ()) -> Turn: ...

    def answer_many(self, messages: Sequence[str], previous: Sequence[Sequence[str] | None] | None = None) -> list[Turn]: ...


class VoteStore(Protocol):
    """Where votes go (medquote.feedback.FeedbackStore)."""

    def record(self, question: str, chunk_ids: Iterable[str], verdict: str) -> None: ...


def sources_markdown(sources: Mapping[str, SourceMeta]) -> str:
    e = render.escape
    items = "\n".join(
        f"- [{e(m.title)}](<source/{url_quote(m.doc_id, safe='')}>) {e(strings.NEW_TAB)}  \n"
        f"  {e(strings.DOC_KIND_LABELS.get(m.kind, m.kind))} · {e(m.date or strings.NO_DATE)}"
        for m in sorted(sources.values(), key=lambda m: m.doc_id)
    )
    return f"## {e(strings.SOURCES_HEADING)}\n\n{e(strings.SOURCES_INTRO)}\n\n{items}"


def typed(message: object) -> str:
    """A message as the chat takes it: text, with lone surrogates (half an emoji, which the
    page's JSON encoder refuses) made spaces; "" for anything that is not text."""
    return SURROGATE.sub(" ", message) if isinstance(message, str) else ""


def turn_records(message: str, turn: Turn | None) -> list[Shown]:
    """The records of one turn's two messages; an answer that failed showed no passages."""
    text = typed(message)
    quotes = list(turn.quote_ids) if turn is not None else []
    return [Shown(role="user", message=text, quotes=None), Shown(role="assistant", message=text, quotes=quotes)]


def parse_record(value: object) -> Shown | None:
    """One record as the page sent it back, or None if it is not one."""
    if not isinstance(value, dict):
        return None
    role, message, quotes = value.get("role"), value.get("message"), value.get("quotes")
    if not isinstance(role, str) or not (message is None or isinstance(message, str)):
        return None
    if quotes is not None and not (isinstance(quotes, list) and all(isinstance(q, str) for q in quotes)):
        return None
    return Shown(role=role, message=message, quotes=None if quotes is None else list(quotes))


def in_step(history: History, records: object) -> list[Shown]:
    """The records of `history`'s messages: the page's, when there is one per message with the
    same role; otherwise a record per message that knows nothing (logged, without any text)."""
    parsed = [parse_record(r) for r in records] if isinstance(records, list) else []
    if len(parsed) == len(history) and all(r is not None and r["role"] == m.get("role") for r, m in zip(parsed, history, strict=True)):
        return [r for r in parsed if r is not None]
    if history:
        count = len(records) if isinstance(records, list) else "no"
        log.warning("the chat's records do not match its history (%s for %d messages): earlier turns are unknown", count, len(history))
    return [Shown(role=str(m.get("role", "")), message=None, quotes=None) for m in history]


def earlier_messages(records: Sequence[Shown]) -> list[str]:
    """The chat's user messages as typed, newest last, from after the last one not known."""
    earlier: list[str] = []
    for r in records:
        if r["role"] == "user":
            earlier = [*earlier, r["message"]] if r["message"] is not None else []
    return earlier


def related_updates(related: Sequence[str]) -> list[Update]:
    """One update per related-question slot: the label, or hidden; then the heading."""
    slots: list[Update] = [gr.update(value=q, visible=True) for q in related[:RELATED_SLOTS]]
    slots += [gr.update(value="", visible=False)] * (RELATED_SLOTS - len(slots))
    return [*slots, gr.update(visible=bool(related))]


def first_index(index: object) -> int | None:
    """A message's index in the history (Gradio gives [message, part] for some messages); None
    for anything else (the event data of a private event can be hand-crafted)."""
    if isinstance(index, (list, tuple)) and index:
        index = index[0]
    return index if isinstance(index, int) and not isinstance(index, bool) else None


def last_user_index(history: History, upto: int | None) -> int | None:
    if upto is None:
        return None
    for i in range(min(upto, len(history) - 1), -1, -1):
        if history[i].get("role") == "user":
            return i
    return None


def failed_reply() -> str:
    """The reply to a message whose answering failed: the fixed message and the disclaimer."""
    return render.markdown((), strings.INTERNAL_ERROR, (), strings.DISCLAIMER)


def shown_messages(message: str, turn: Turn | None) -> tuple[History, tuple[str, ...]]:
    """The two chat messages of a turn, and the related questions to offer under it."""
    related: tuple[str, ...] = ()
    if turn is None:
        answer = failed_reply()
    else:
        answer, related = render.chat_markdown(turn.reply), turn.reply.related
    # The user's words are shown escaped: literal text, never Markdown or HTML.
    return [{"role": "user", "content": render.escape(message)}, {"role": "assistant", "content": answer}], related


class Chat:
    """The chat's event handlers, free of Gradio layout so tests can call them directly. The
    chat's handlers take and return the history and its records (one Shown per message) together."""

    def __init__(self, engine: Answerer, feedback: VoteStore | None = None):
        self.engine = engine
        self.feedback = feedback
        self._last_vote: tuple[tuple[str, str, tuple[str, ...]] | None, float] = (None, 0.0)
        self._lock = threading.Lock()

    def answers(self, messages: Sequence[object], previous: Sequence[Sequence[object] | None]) -> list[Turn | None]:
        """The turns of messages that arrived together (Gradio batches requests that wait in the
        queue), from one engine call; None where answering failed. A batch that fails is
        answered message by message, so one bad message cannot take the others down."""
        texts = [typed(m) for m in messages]
        earlier = [[p for p in (prev or ()) if isinstance(p, str)] for prev in previous]
        try:
            if len(texts) > 1:
                return list(self.engine.answer_many(texts, earlier))
            return [self.engine.answer(texts[0], earlier[0])]
        except Exception as exc:  # never show a stack trace; log where, never the question
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            log.error("answering failed: %s at %s:%s", type(exc).__name__, frame.filename, frame.lineno)
            if len(texts) == 1:
                return [None]
            return [self.answers([t], [p])[0] for t, p in zip(texts, earlier, strict=True)]

    def turns(self, messages: Sequence[object], histories: Sequence[History],
              records: Sequence[list[Shown]]) -> list[tuple[History, list[Shown], tuple[str, ...]]]:
        """Each chat's history and records with one more turn, and the related questions to
        offer under it. `records` are in step with `histories` (in_step); the earlier user
        messages they hold go to the engine as typed, as context for a follow-up."""
        texts = [typed(m) for m in messages]
        answered = self.answers(texts, [earlier_messages(r) for r in records])
        rows = []
        for text, history, known, turn in zip(texts, histories, records, answered, strict=True):
            shown, related = shown_messages(text, turn)
            rows.append(([*history, *shown], [*known, *turn_records(text, turn)], related))
        return rows

    def submit(self, message: str, history: History | None, records: object) -> tuple[str, History, list[Shown]]:
        """(cleared box, new history, its records): one turn of the chat."""
        box, new_history, new_records, *_ = self.submit_with_related(message, history, records)
        return box, new_history, new_records

    def submit_with_related(self, message: str, history: History | None, records: object) -> tuple[Any, ...]:
        """The same, plus the updates of the related-question buttons and their heading."""
        return tuple(column[0] for column in self.submit_batch([message], [history], [records]))

    def submit_batch(self, messages: list[str], histories: list[History | None], records: list[object]) -> tuple[list[Any], ...]:
        """Gradio's batch form of submit_with_related: a list per input, a tuple of lists out
        (cleared boxes, histories, their records, each related button, the related heading)."""
        chats = [h or [] for h in histories]
        known = [in_step(h, r) for h, r in zip(chats, records, strict=True)]
        rows = [("", history, shown, *related_updates(related)) for history, shown, related in self.turns(messages, chats, known)]
        return tuple(list(column) for column in zip(*rows, strict=True))

    def example(self, question: str) -> Callable[[list[History | None], list[object]], tuple[list[Any], ...]]:
        """Batch handler of an example button: its question in each waiting chat."""
        return lambda histories, records: self.submit_batch([question] * len(histories), histories, records)[1:]

    def related_click(self, index: int) -> Callable[[list[str], list[History | None], list[object]], tuple[list[Any], ...]]:
        """Batch handler of the index-th related button: it asks its question (its label)."""
        return lambda labels, histories, records: self.submit_batch(labels, histories, records)[1:]

    def retry(self, history: History | None, records: object, data: gr.RetryData) -> tuple[History, list[Shown]]:
        """The last turn up to the retried message, answered again from its message as typed."""
        return self.retry_with_related(history, records, data)[:2]

    def retry_with_related(self, history: History | None, records: object, data: gr.RetryData) -> tuple[Any, ...]:
        """The same, plus the related questions of the new answer (none when nothing was asked
        again: the buttons never outlive the answer they were offered under)."""
        history = history or []
        known = in_step(history, records)
        i = last_user_index(history, first_index(data.index))
        message = None if i is None else known[i]["message"]
        if i is None or message is None:
            return history, known, *related_updates(())
        again, shown, related = self.turns([message], [history[:i]], [known[:i]])[0]
        return again, shown, *related_updates(related)

    def undo(self, history: History | None, records: object, data: gr.UndoData) -> tuple[History, list[Shown], str]:
        """The chat before the undone message, and that message as typed, back in the box."""
        return self.undo_with_related(history, records, data)[:3]

    def undo_with_related(self, history: History | None, records: object, data: gr.UndoData) -> tuple[Any, ...]:
        """The same, plus the related buttons hidden: they were offered under the undone answer,
        and must never stay under what is now the last reply (an emergency or crisis one, say)."""
        history = history or []
        known = in_step(history, records)
        i = last_user_index(history, first_index(data.index))
        if i is None:
            return history, known, "", *related_updates(())
        return history[:i], known[:i], known[i]["message"] or "", *related_updates(())

    def rate(self, history: History | None, records: object, data: gr.LikeData) -> None:
        """Store a vote: the message, the ids of the passages the voted answer showed, the verdict."""
        verdict = VERDICTS.get(data.liked) if isinstance(data.liked, (bool, str)) else None
        if self.feedback is None or verdict is None:
            return
        known = in_step(history or [], records)
        i = first_index(data.index)
        record = known[i] if i is not None and 0 <= i < len(known) else None
        if record is None or record["role"] != "assistant" or record["message"] is None or record["quotes"] is None:
            log.warning("vote not stored: the chat has no record of the answer voted on")
            return
        vote = (record["message"], verdict, tuple(record["quotes"]))
        with self._lock:
            now = time.monotonic()
            echo = self._last_vote[0] == vote and now - self._last_vote[1] < ECHO_SECONDS
            self._last_vote = (vote, now)
        if echo:
            return
        try:
            self.feedback.record(vote[0], vote[2], verdict)
        except Exception as exc:  # a full disk must not break the chat
            log.error("storing feedback failed: %s", type(exc).__name__)

    def ask(self, question: str, previous: list[str] | None = None) -> dict[str, Any]:
        """Answer one question with verbatim quotes. Returns the answer object as JSON.
        `previous` (optional): the chat's earlier user messages, newest last; they help read a
        follow-up ("what about the arms?"), never the safety check."""
        return self.ask_batch([question], [previous])[0][0]

    def ask_batch(self, questions: list[str], previous: list[list[str] | None]) -> tuple[list[dict[str, Any]]]:
        """Gradio's batch form of ask (the API documents ask's signature)."""
        turns = self.answers(questions, [p if isinstance(p, list) else () for p in previous])
        # A failed answer still says so with the disclaimer, as the chat shows it.
        failed = {"error": strings.INTERNAL_ERROR, "reply": failed_reply()}
        return ([dict(failed) if t is None else {**to_answer_object(t.reply)} for t in turns],)


def batched(fn: Callable[..., Any], documented: Callable[..., Any]) -> Callable[..., Any]:
    """fn as Gradio's batch handler, showing `documented`'s signature and text in the API page."""
    @functools.wraps(documented)  # its name, text, type hints and (through __wrapped__) signature
    def handler(*columns: Any) -> Any:
        return fn(*columns)

    return handler


def build_blocks(engine: Answerer, number: str, feedback: VoteStore | None = None) -> gr.Blocks:
    chat, e = Chat(engine, feedback), render.escape
    # delete_cache: uploads (refused above 1 KB) and temp files are removed hourly, not kept forever.
    with gr.Blocks(title=strings.APP_TITLE, analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        # gr.Markdown, not gr.HTML: gr.HTML evaluates templates with eval(), which our CSP forbids.
        gr.Markdown(f"# {e(strings.APP_TITLE)}\n\n{e(strings.APP_INTRO)}", elem_id="intro")
        gr.Markdown(e(strings.EMERGENCY_LINE.format(number=number)), elem_id="emergency-line")
        gr.Markdown(e(strings.DISCLAIMER), elem_id="disclaimer")
        chatbot = gr.Chatbot(
            elem_id="chat", latex_delimiters=[], sanitize_html=True, render_markdown=True, allow_tags=False,
            feedback_options=FEEDBACK_OPTIONS if feedback is not None else None, buttons=["copy"],
            placeholder=e(strings.CHAT_PLACEHOLDER), show_label=False, group_consecutive_messages=False,
            # No fixed height: the chat grows with the page, so a phone has one scroll area, not two.
            height=None, min_height=96, autoscroll=False,
        )
        # The records of the chat's messages (Shown), one per message: held by the page like the
        # history and sent with it, so they stay right when Gradio batches several people's events.
        records = gr.JSON([], visible=False)
        related_label = gr.Markdown(e(strings.RELATED_LABEL), elem_id="related-label", visible=False)
        with gr.Row(elem_id="related"):
            related = [gr.Button("", size="sm", min_width=220, visible=False, elem_classes=["related-question"])
                       for _ in range(RELATED_SLOTS)]
        with gr.Row(elem_id="ask-row", equal_height=True):
            textbox = gr.Textbox(
                label=strings.INPUT_LABEL, placeholder=strings.INPUT_PLACEHOLDER, max_lines=6, lines=1,
                elem_id="question", scale=4, autofocus=False, submit_btn=False,
                min_width=240,  # on a phone the row wraps: a full-width box, the button below it
            )
            button = gr.Button(strings.ASK_BUTTON, variant="primary", elem_id="ask", scale=1, min_width=80)
        if feedback is not None:
            gr.Markdown(e(strings.FEEDBACK_NOTE), elem_id="feedback-note")
        # Our own buttons, not gr.Chatbot(examples=): Gradio marks those up as role="list"
        # without list items, which screen readers and axe-core reject.
        gr.Markdown(e(strings.EXAMPLES_LABEL), elem_id="examples-label")
        with gr.Row(elem_id="examples"):
            examples = [(q, gr.Button(q, size="sm", min_width=220)) for q in strings.EXAMPLE_QUESTIONS]
        gr.Markdown(sources_markdown(engine.sources), elem_id="sources")

        hidden = {"api_visibility": "private"}
        # Requests waiting in the queue together are answered in one engine call (one model call).
        batch = {"batch": True, "max_batch_size": MAX_BATCH}
        chat_state = [chatbot, records]
        outputs = [*chat_state, *related, related_label]
        textbox.submit(chat.submit_batch, [textbox, *chat_state], [textbox, *outputs], **hidden, **batch)
        button.click(chat.submit_batch, [textbox, *chat_state], [textbox, *outputs], **hidden, **batch)
        for question, example_button in examples:
            example_button.click(chat.example(question), chat_state, outputs, **hidden, **batch)
        for i, related_button in enumerate(related):
            related_button.click(chat.related_click(i), [related_button, *chat_state], outputs, **hidden, **batch)
        chatbot.retry(chat.retry_with_related, chat_state, outputs, **hidden)
        chatbot.undo(chat.undo_with_related, chat_state, [*chat_state, textbox, *related, related_label], **hidden)
        chatbot.clear(lambda: [[], [], *related_updates(())], None, outputs, **hidden)
        if feedback is not None:
            chatbot.like(chat.rate, chat_state, None, **hidden)
        gr.api(batched(chat.ask_batch, chat.ask), api_name="ask", **batch)
    return demo
