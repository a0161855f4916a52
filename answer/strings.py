"""Every fixed, reviewed string medquote may put on screen.

This is the only place where on-screen text that is not a verbatim corpus quote lives.
Changing a string here is a content change: it needs review like code, and the tests
check that the strings stay plain (grade 8 or below) and never give a verdict.

It does not hold quotes, citations or anything computed from a question.
"""

from __future__ import annotations

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


# --- Messages in other languages (medquote/language.py detects them) ---
# The reply to a message in another language: medquote reads English only, and the emergency
# line, in the reader's language. Written by one helper, back-translated by another without
# seeing the English (back-translations below each entry); the English of both:
ONLY_ENGLISH = "medquote can only read and answer questions in English. Please ask your question in English."
EMERGENCY_ANY_LANGUAGE = "In an emergency, call your local emergency number now."
# The whole reply: the two sentences, then the number itself after a telephone sign, which needs
# no translation (before, no number was given: the CLI and /ask show no page around the reply).
LANGUAGE_LEAD = "{only} {emergency} \u260e {number}"
LANGUAGE_REPLIES = {
    # Spanish. Back-translation: "medquote can only read and answer questions in English. Please, ask your question in English." / "In case of emergency, call the local emergency number now."
    "es": ("medquote solo puede leer y responder preguntas en inglés. Por favor, haga su pregunta en inglés.", "En caso de emergencia, llame ahora al número de emergencias local."),
    # Chinese. Back-translation: "medquote can only read and answer English questions. Please ask your question in English." / "If you encounter an emergency, please immediately dial the local emergency (first-aid) phone number."
    "zh": ("medquote 只能阅读和回答英文问题。请用英文提问。", "如遇紧急情况，请立即拨打当地急救电话。"),
    # Portuguese. Back-translation: "medquote can only read and answer questions in English. Please, ask your question in English." / "In case of emergency, call the local emergency number now."
    "pt": ("O medquote só consegue ler e responder perguntas em inglês. Por favor, faça sua pergunta em inglês.", "Em caso de emergência, ligue agora para o número de emergência local."),
    # French. Back-translation: "medquote can only read and answer in English. Please ask your question in English." / "In case of emergency, immediately call the local emergency number."
    "fr": ("medquote ne peut lire et répondre qu'en anglais. Veuillez poser votre question en anglais.", "En cas d'urgence, appelez immédiatement le numéro d'urgence local."),
    # German. Back-translation: "medquote can only read and answer questions in English. Please ask your question in English." / "In an emergency, immediately call the local emergency line."
    "de": ("medquote kann nur Fragen auf Englisch lesen und beantworten. Bitte stellen Sie Ihre Frage auf Englisch.", "Rufen Sie im Notfall sofort den örtlichen Notruf an."),
    # Arabic. Back-translation: "medquote cannot read questions and answer them except in English. Please write your question in English." / "In case of emergency, immediately call the local emergency number."
    "ar": ("لا يستطيع medquote قراءة الأسئلة والإجابة عنها إلا باللغة الإنجليزية. يُرجى كتابة سؤالك باللغة الإنجليزية.", "في حالة الطوارئ، اتصل فورًا برقم الطوارئ المحلي."),
    # Hindi. Back-translation: "medquote can read questions and give answers to them only in English. Please ask your question in English." / "In an emergency, call your local emergency number now."
    "hi": ("medquote केवल अंग्रेज़ी में सवाल पढ़ और उनके जवाब दे सकता है। कृपया अपना सवाल अंग्रेज़ी में पूछें।", "आपातकाल में, अभी अपने स्थानीय आपातकालीन नंबर पर कॉल करें।"),
    # Russian. Back-translation: "medquote can read questions and answer them only in English. Please ask your question in English." / "In an emergency situation, immediately call the local emergency-help number."
    "ru": ("medquote может читать вопросы и отвечать на них только на английском языке. Пожалуйста, задайте свой вопрос на английском.", "В экстренной ситуации немедленно позвоните по местному номеру экстренной помощи."),
    # Italian. Back-translation: "medquote can read and answer only questions written in English. Please write your question in English." / "In case of emergency, call the local emergency number right away."
    "it": ("medquote può leggere e rispondere solo a domande scritte in inglese. Per favore, scrivi la tua domanda in inglese.", "In caso di emergenza, chiama subito il numero di emergenza locale."),
    # Japanese. Back-translation: "What medquote can read and answer is only questions in English. Please ask your question in English." / "In case of emergency, please immediately call the emergency number of the area where you live." (emergency line corrected after the check: "the area you are in now", not "where you live")
    "ja": ("medquoteが読んで答えられるのは英語の質問だけです。英語で質問してください。", "緊急の場合は、すぐに今いる地域の緊急通報番号に電話してください。"),
    # Korean. Back-translation: "medquote can only read and answer questions written in English. Please ask in English." / "In an emergency situation, call the local emergency phone number right now."
    "ko": ("medquote는 영어로 된 질문만 읽고 답할 수 있습니다. 영어로 질문해 주세요.", "응급 상황에서는 지금 바로 현지 응급 전화번호로 전화하세요."),
    # Turkish. Back-translation: "medquote can only read and answer English questions. Please ask your question in English." / "In an emergency, immediately call the local emergency number."
    "tr": ("medquote yalnızca İngilizce soruları okuyup yanıtlayabilir. Lütfen sorunuzu İngilizce sorun.", "Acil bir durumda hemen yerel acil durum numarasını arayın."),
    # Vietnamese. Back-translation: "medquote can only read and answer questions in English. Please ask your question in English." / "In case of emergency, call the emergency phone number in your locality right away."
    "vi": ("medquote chỉ có thể đọc và trả lời câu hỏi bằng tiếng Anh. Vui lòng đặt câu hỏi bằng tiếng Anh.", "Trong trường hợp khẩn cấp, hãy gọi ngay số điện thoại khẩn cấp tại địa phương của bạn."),
    # Polish. Back-translation: "medquote can read questions and answer them only in English. Ask your question in English." / "In an emergency, immediately call the local emergency number."
    "pl": ("medquote potrafi czytać pytania i odpowiadać na nie tylko po angielsku. Zadaj swoje pytanie po angielsku.", "W nagłym wypadku natychmiast zadzwoń pod lokalny numer alarmowy."),
    # Dutch. Back-translation: "medquote can only read and answer questions in English. Ask your question in English." / "In an emergency, call the local emergency number immediately."
    "nl": ("medquote kan alleen vragen in het Engels lezen en beantwoorden. Stel uw vraag in het Engels.", "Bel bij een noodgeval direct het lokale alarmnummer."),
    # Indonesian. Back-translation: "medquote can only read and answer questions in English. Please submit your question in English." / "In an emergency, immediately contact the local emergency number."
    "id": ("medquote hanya dapat membaca dan menjawab pertanyaan dalam bahasa Inggris. Silakan ajukan pertanyaan Anda dalam bahasa Inggris.", "Dalam keadaan darurat, segera hubungi nomor darurat setempat."),
}
