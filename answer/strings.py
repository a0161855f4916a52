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
# The whole reply: the three sentences, then the number itself after a telephone sign, which needs
# no translation (before, no number was given: the CLI and /ask show no page around the reply).
LANGUAGE_LEAD = "{only} {emergency} {crisis} \u260e {number}"
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

# The third sentence, shown with the two above to every message in another language: the screen
# reads English best, and someone in a crisis may not call it "an emergency". English:
CRISIS_ANY_LANGUAGE = ("If you are thinking about hurting yourself or ending your life, call your local emergency "
                       "number now. You do not need to face this alone.")
# Written by one helper (session 21), back-translated by another who never saw the English
# (back-translations below each entry).
LANGUAGE_CRISIS = {
    # If you are thinking of doing yourself harm or of taking your life, call now the emergency number of your area. You do not have to go through this without anyone at your side.
    "es": "Si está pensando en hacerse daño o en quitarse la vida, llame ahora al número de emergencias de su zona. No tiene que pasar por esto sin nadie a su lado.",
    # If you have thoughts of harming yourself or ending your own life, please right now dial the emergency telephone of your location. You do not need to face all of this alone.
    "zh": "如果您有伤害自己或结束自己生命的念头，请现在就拨打您所在地的紧急电话。您不需要独自面对这一切。",
    # If you are thinking of hurting yourself or of taking your own life, call now the emergency number of your region. You do not need to go through this without anyone at your side.
    "pt": "Se você está pensando em se machucar ou em tirar a própria vida, ligue agora para o número de emergência da sua região. Você não precisa passar por isso sem ninguém ao seu lado.",
    # If you are thinking of doing yourself harm or of putting an end to your days, call now the local emergency number. You do not have to go through this without anyone at your side.
    "fr": "Si vous pensez à vous faire du mal ou à mettre fin à vos jours, appelez maintenant le numéro d'urgence local. Vous n'avez pas à traverser cela sans personne à vos côtés.",
    # If you are thinking of hurting yourself or ending your life, call now the local emergency number. You do not have to get through this alone.
    "de": "Wenn Sie daran denken, sich selbst zu verletzen oder Ihr Leben zu beenden, rufen Sie jetzt die örtliche Notrufnummer an. Sie müssen das nicht allein durchstehen.",
    # If you have thoughts about harming yourself or ending your life, please call now the local emergency number. There is no need to face this matter alone.
    "ar": "إذا كانت لديك أفكار عن إيذاء نفسك أو إنهاء حياتك، يُرجى الاتصال الآن برقم الطوارئ المحلي. لا داعي لمواجهة هذا الأمر وحدك.",
    # If thoughts of harming yourself or taking your own life are coming into your mind, then please call your local emergency number now. You do not need to face this alone.
    "hi": "अगर आपके मन में खुद को नुकसान पहुँचाने या अपनी जान लेने के विचार आ रहे हैं, तो कृपया अभी अपने स्थानीय आपातकालीन नंबर पर कॉल करें। आपको अकेले इसका सामना करने की ज़रूरत नहीं है।",
    # If you are thinking about causing yourself harm or killing yourself (lit. 'finishing with yourself'), right now call the local emergency-help number. You do not need to cope with this alone.
    "ru": "Если вы думаете о том, чтобы причинить себе вред или покончить с собой, прямо сейчас позвоните по местному номеру экстренной помощи. Вам не нужно справляться с этим в одиночку.",
    # If you are thinking of doing yourself harm or of taking your life, call immediately the local emergency number. You do not have to face all this without anyone at your side.
    "it": "Se sta pensando di farsi del male o di togliersi la vita, chiami subito il numero di emergenza locale. Non deve affrontare tutto questo senza nessuno al suo fianco.",
    # If you are thinking about hurting yourself or ending your own life, please call the emergency report number of the area where you live right now. There is no need to hold it all in by yourself.
    "ja": "自分を傷つけることや、自ら命を絶つことを考えているなら、今すぐお住まいの地域の緊急通報番号に電話してください。ひとりで抱え込む必要はありません。",
    # If you are thinking of harming yourself or ending your life, please call the local emergency phone number right away. You do not have to bear it alone.
    "ko": "스스로를 해치거나 목숨을 끊을 생각을 하고 계신다면, 지금 바로 지역 긴급 전화번호로 전화해 주세요. 혼자 감당하지 않으셔도 됩니다.",
    # If you are thinking of harming yourself or putting an end to your life, right now call the local emergency number. You are not obliged to cope with this on your own.
    "tr": "Kendinize zarar vermeyi ya da hayatınıza son vermeyi düşünüyorsanız, hemen şimdi yerel acil durum numarasını arayın. Bununla tek başınıza baş etmek zorunda değilsiniz.",
    # If you are thinking of harming yourself or ending your own life, please call the emergency phone number in your locality immediately. You do not need to face this alone.
    "vi": "Nếu bạn đang nghĩ đến việc tự làm hại bản thân hoặc tự kết thúc cuộc sống của mình, hãy gọi ngay cho số điện thoại khẩn cấp tại địa phương. Bạn không cần phải đối mặt với điều này một mình.",
    # If you are thinking of doing yourself harm or taking your own life, call now the local alarm (emergency) number. You do not have to face this single-handed.
    "pl": "Jeśli myślisz o zrobieniu sobie krzywdy lub odebraniu sobie życia, zadzwoń teraz pod lokalny numer alarmowy. Nie musisz mierzyć się z tym w pojedynkę.",
    # If you are thinking of hurting yourself (lit. 'doing yourself pain') or making an end to your life, then call now the local alarm number. You do not have to go through this alone.
    "nl": "Als u erover denkt om uzelf pijn te doen of een einde aan uw leven te maken, bel dan nu het plaatselijke alarmnummer. U hoeft hier niet alleen doorheen te gaan.",
    # If you are thinking of hurting yourself or ending your life, contact the local emergency number right now. You do not need to face this alone.
    "id": "Jika Anda sedang berpikir untuk menyakiti diri sendiri atau mengakhiri hidup Anda, hubungi nomor darurat setempat sekarang juga. Anda tidak perlu menghadapi ini sendirian.",
}
