"""Every fixed, reviewed string medquote may put on screen.

This is the only place where on-screen text that is not a verbatim corpus quote lives.
Changing a string here is a content change: it needs review like code, and the tests
check that the strings stay plain (grade 8 or below) and never give a verdict.

It does not hold quotes, citations or anything computed from a question.
"""

from __future__ import annotations

STRINGS_VERSION = "2026-11-21.1"

DISCLAIMER = (
    "medquote is an automated tool, not a doctor. It only shows quotes from its listed "
    "sources and cannot tell whether you have any condition. For advice about your own "
    "health, talk to a doctor. In an emergency, call your local emergency number."
)

LEAD_IN = "Here is what the sources say. These are exact quotes:"

NOT_COVERED = (
    "My sources do not cover this question, so I have no quote to show you. "
    "A doctor or nurse can help you with it."
)

EMPTY_INPUT = "Please type a question."

TOO_LONG = "Your message is too long. Please keep it under {limit} characters."

BUSY = "The service is busy right now. Please try again in a moment."

INTERNAL_ERROR = "Something went wrong on our side. Please try again."

INDEX_NOT_READY = "The search index is not ready. Please try again later."

# The emergency number is configurable (MEDQUOTE_EMERGENCY_NUMBER); the rest of the text is fixed.
EMERGENCY_NOTICE = (
    "This may be an emergency. Call your local emergency number now ({number}). "
    "In the US and Canada call 911, in the EU call 112, and in the UK call 999. "
    "Do not wait for an answer here."
)

CRISIS_NOTICE = (
    "If you are thinking about hurting yourself or ending your life, please reach out now. "
    "Call your local emergency number ({number}). In the US you can call or text 988. "
    "In the UK and Ireland you can call Samaritans on 116 123. You do not need to face this alone."
)

NO_VERDICT = (
    "I cannot tell whether you or anyone else has a condition. Only a doctor who examines "
    "you can do that."
)

APP_TITLE = "medquote"

APP_INTRO = (
    "Ask a question about muscle twitching and ALS. medquote answers only with exact quotes "
    "from the sources listed below. It is an automated tool, not a doctor."
)

EMERGENCY_LINE = "In an emergency, call for help now. Your local emergency number is {number}."

EXAMPLE_QUESTIONS = (
    "Does muscle twitching mean I have ALS?",
    "What are the first signs of ALS?",
    "Can stress or anxiety cause twitching?",
    "How do doctors test for ALS?",
)

CITATION_LABEL = "Source"

NO_DATE = "date not stated"

SOURCES_HEADING = "Sources"

INPUT_PLACEHOLDER = "Type your question here"

# Names for the kind of source document (corpus/sources.toml "kind").
DOC_KIND_LABELS = {
    "article": "article",
    "qa": "patient's question with a doctor's reply and an extended answer",
}

# Human-readable names for the kind of part a quote comes from.
KIND_LABELS = {
    "article": "article",
    "question": "patient's question",
    "reply": "doctor's reply",
    "more_info": "extended answer",
}

# Shown on every quote from a Q&A page's reply or extended answer: it was written to someone
# else, about their symptoms, and is no verdict on the reader's.
WRITTEN_TO_ANOTHER = {
    "reply": "From a doctor's reply to someone else's question",
    "more_info": "From an extended answer to someone else's question",
}

DEFAULT_EMERGENCY_NUMBER = "911"

# --- The chat page and the "show in context" page (web/) ---

INPUT_LABEL = "Your question"

ASK_BUTTON = "Ask"

SOURCES_INTRO = "medquote only shows quotes from these documents:"

# A link under each quote; it opens the whole source document in a new tab.
CONTEXT_LINK = "Show in context"

NEW_TAB = "(opens in a new tab)"

CONTEXT_INTRO = "This is the whole source document, as medquote has it. The quoted passage is highlighted."

CONTEXT_JUMP = "Go to the quoted passage"

CONTEXT_BACK = "Back to medquote"

CONTEXT_NOT_FOUND = "This link does not point to a source that medquote has."

# Feedback on evidence; shown only when the operator turns feedback on (MEDQUOTE_FEEDBACK_DB).
FEEDBACK_NOTE = (
    "You can rate the quotes in each answer with the buttons under it. If you do, we save your "
    "question, the quotes and your rating to check medquote. We save nothing else about you."
)

# Thumbs up means "helpful" and thumbs down "not helpful"; this option sits under the flag button.
FEEDBACK_WRONG_PASSAGE = "Wrong passage"

EXAMPLES_LABEL = "Examples you can try:"

# Above up to three questions from the reviewed question bank, under an answered reply.
RELATED_LABEL = "Related questions you can ask:"

CHAT_PLACEHOLDER = "Your questions and the quotes that answer them will show here."
