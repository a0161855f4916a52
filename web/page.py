"""The chat page as Gradio Blocks: landing text, the chat, examples, sources and the /ask API.

Landing: what medquote is, the emergency line and the disclaimer come first (visible without
scrolling on a 320x640 phone); the sources are listed under the chat, each linking to its
whole text. Answers are `answer.render.markdown` plus a "show in context" link per quote
(context.py). The chat is wired here (class Chat) rather than through gr.ChatInterface so that
a user's own message is shown escaped, as literal text: Markdown or HTML typed into the box
must not render (an <img> would fetch from elsewhere). Retry, undo, clear, copy and, when the
operator turns it on, feedback are gr.Chatbot's own controls. Every word comes from
answer.strings, the sources' metadata or a verbatim quote. Nothing here logs question text or
keeps a conversation: the history lives in the page and is sent with each event.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import traceback
from urllib.parse import quote as url_quote

import gradio as gr

from answer import render, strings, to_answer_object

from .context import context_link

log = logging.getLogger("medquote.web")
# gr.Chatbot reports its thumbs as True/False and other options by their label ("" = withdrawn).
VERDICTS = {True: "helpful", False: "not_helpful", strings.FEEDBACK_WRONG_PASSAGE: "wrong_passage"}
FEEDBACK_OPTIONS = ["Like", "Dislike", strings.FEEDBACK_WRONG_PASSAGE]  # "Like"/"Dislike" draw thumbs
# Gradio 6.31 sends a click on an extra feedback option ("Wrong passage") twice; an identical
# vote within this many seconds is that echo, not a second person.
ECHO_SECONDS = 2.0


def sources_markdown(sources: dict) -> str:
    e = render.escape
    items = "\n".join(
        f"- [{e(m.title)}](<source/{url_quote(m.doc_id, safe='')}>) {e(strings.NEW_TAB)}  \n"
        f"  {e(strings.DOC_KIND_LABELS.get(m.kind, m.kind))} · {e(m.date or strings.NO_DATE)}"
        for m in sorted(sources.values(), key=lambda m: m.doc_id)
    )
    return f"## {e(strings.SOURCES_HEADING)}\n\n{e(strings.SOURCES_INTRO)}\n\n{items}"


def text_of(message: dict) -> str:
    """A chat message's text, whether Gradio gives content as a string or as a list of parts."""
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type", "text") == "text")


def user_messages(history) -> list[str]:
    """The earlier user messages of a chat history, as typed (they are stored escaped)."""
    return [render.unescape(text_of(m)) for m in (history or []) if isinstance(m, dict) and m.get("role") == "user"]


RELATED_SLOTS = 3
# Up to this many waiting requests share one engine call: MiniLM encodes 16 short questions in
# little more than the time of a few (benchmarks/results/latest.json).
MAX_BATCH = 16


def related_updates(related) -> list:
    """One update per related-question slot: the label, or hidden; then the heading."""
    slots = [gr.update(value=q, visible=True) for q in related[:RELATED_SLOTS]]
    slots += [gr.update(value="", visible=False)] * (RELATED_SLOTS - len(slots))
    return [*slots, gr.update(visible=bool(related))]


def first_index(index) -> int:
    return index if isinstance(index, int) else index[0]


def last_user_index(history: list, upto: int) -> int | None:
    for i in range(min(upto, len(history) - 1), -1, -1):
        if history[i].get("role") == "user":
            return i
    return None


class Chat:
    """The chat's event handlers, free of Gradio layout so tests can call them directly."""

    def __init__(self, engine, feedback=None):
        self.engine = engine
        self.feedback = feedback
        self._last_vote, self._lock = (None, 0.0), threading.Lock()

    def reply(self, question: str, previous=()):
        return self.replies([question], [previous])[0]

    def replies(self, questions, previous) -> list:
        """Replies to messages that arrived together (Gradio batches requests that wait in the
        queue), from one engine call; None where answering failed. A batch that fails is
        answered message by message, so one bad message cannot take the others down."""
        questions = [q if isinstance(q, str) else "" for q in questions]
        previous = [[p for p in (prev or ()) if isinstance(p, str)] for prev in previous]
        try:
            if len(questions) > 1:
                return self.engine.ask_many(questions, previous)
            # A first message is asked exactly as before follow-ups existed (one argument).
            return [self.engine.ask(questions[0], previous[0]) if previous[0] else self.engine.ask(questions[0])]
        except Exception as exc:  # never show a stack trace; log where, never the question
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            log.error("answering failed: %s at %s:%s", type(exc).__name__, frame.filename, frame.lineno)
            if len(questions) == 1:
                return [None]
            return [self.replies([q], [p])[0] for q, p in zip(questions, previous, strict=True)]

    def turns(self, questions, histories) -> list[tuple[list[dict], tuple[str, ...]]]:
        """The two chat messages of each turn, and the related questions to offer under it.
        The chat's earlier user messages go to the engine as context for a follow-up."""
        replies = self.replies(questions, [user_messages(h) for h in histories])
        return [self._turn(q if isinstance(q, str) else "", r) for q, r in zip(questions, replies, strict=True)]

    def turn(self, question: str, history=()) -> tuple[list[dict], tuple[str, ...]]:
        return self.turns([question], [history])[0]

    @staticmethod
    def _turn(question: str, reply) -> tuple[list[dict], tuple[str, ...]]:
        if reply is None:
            answer, related = render.markdown((), strings.INTERNAL_ERROR, (), strings.DISCLAIMER), ()
        else:
            answer = render.markdown(reply.notices, reply.lead, reply.quotes, reply.disclaimer, context_link)
            related = reply.related
        # The user's words are shown escaped: literal text, never Markdown or HTML.
        return [{"role": "user", "content": render.escape(question)}, {"role": "assistant", "content": answer}], related

    def submit(self, message, history):
        """(cleared box, new history): one turn of the chat."""
        return self.submit_with_related(message, history)[:2]

    def submit_with_related(self, message, history):
        """The same, plus the updates of the related-question buttons and their heading."""
        return tuple(column[0] for column in self.submit_batch([message], [history]))

    def submit_batch(self, messages, histories):
        """Gradio's batch form of submit_with_related: a list per input, a tuple of lists out
        (cleared boxes, histories, each related button, the related heading)."""
        histories = [h or [] for h in histories]
        rows = [("", list(h) + messages_, *related_updates(related))
                for h, (messages_, related) in zip(histories, self.turns(messages, histories), strict=True)]
        return tuple(list(column) for column in zip(*rows, strict=True))

    def example(self, question: str):
        """Batch handler of an example button: its question in each waiting chat."""
        return lambda histories: self.submit_batch([question] * len(histories), histories)[1:]

    def related_click(self, index: int):
        """Batch handler of the index-th related button: it asks its question (its label)."""
        return lambda labels, histories: self.submit_batch(labels, histories)[1:]

    def retry(self, history, data: gr.RetryData):
        i = last_user_index(history or [], first_index(data.index))
        if i is None:
            return history
        return history[:i] + self.turn(render.unescape(text_of(history[i])), history[:i])[0]

    def undo(self, history, data: gr.UndoData):
        i = last_user_index(history or [], first_index(data.index))
        return (history, "") if i is None else (history[:i], render.unescape(text_of(history[i])))

    def rate(self, history, data: gr.LikeData) -> None:
        verdict = VERDICTS.get(data.liked)
        i = last_user_index(history or [], first_index(data.index))
        if self.feedback is None or verdict is None or i is None:
            return
        question = render.unescape(text_of(history[i]))
        reply = self.reply(question)  # the engine is deterministic: these are the quotes shown
        ids = [q.chunk.id for q in (reply.quotes if reply else ())]
        with self._lock:
            vote, now = (question, verdict, tuple(ids)), time.monotonic()
            echo = self._last_vote[0] == vote and now - self._last_vote[1] < ECHO_SECONDS
            self._last_vote = (vote, now)
        if echo:
            return
        try:
            self.feedback.record(question, ids, verdict)
        except Exception as exc:  # a full disk must not break the chat
            log.error("storing feedback failed: %s", type(exc).__name__)

    def ask(self, question: str, previous: list[str] | None = None) -> dict:
        """Answer one question with verbatim quotes. Returns the answer object as JSON.
        `previous` (optional): the chat's earlier user messages, newest last; they help read a
        follow-up ("what about the arms?"), never the safety check."""
        return self.ask_batch([question], [previous])[0][0]

    def ask_batch(self, questions, previous) -> tuple[list[dict]]:
        """Gradio's batch form of ask (the API documents ask's signature)."""
        replies = self.replies(questions, [p if isinstance(p, list) else () for p in previous])
        return ([{"error": strings.INTERNAL_ERROR} if r is None else to_answer_object(r) for r in replies],)


def batched(fn, documented):
    """fn as Gradio's batch handler, showing `documented`'s signature and text in the API page."""
    @functools.wraps(documented)  # its name, text, type hints and (through __wrapped__) signature
    def handler(*columns):
        return fn(*columns)

    return handler


def build_blocks(engine, number: str, feedback=None) -> gr.Blocks:
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
        outputs = [chatbot, *related, related_label]
        textbox.submit(chat.submit_batch, [textbox, chatbot], [textbox, *outputs], **hidden, **batch)
        button.click(chat.submit_batch, [textbox, chatbot], [textbox, *outputs], **hidden, **batch)
        for question, example_button in examples:
            example_button.click(chat.example(question), [chatbot], outputs, **hidden, **batch)
        for i, related_button in enumerate(related):
            related_button.click(chat.related_click(i), [related_button, chatbot], outputs, **hidden, **batch)
        chatbot.retry(chat.retry, [chatbot], [chatbot], **hidden)
        chatbot.undo(chat.undo, [chatbot], [chatbot, textbox], **hidden)
        chatbot.clear(lambda: [[], *related_updates(())], None, outputs, **hidden)
        if feedback is not None:
            chatbot.like(chat.rate, [chatbot], None, **hidden)
        gr.api(batched(chat.ask_batch, chat.ask), api_name="ask", **batch)
    return demo
