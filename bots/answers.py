"""Reading a visitor's answer to a bot's question: is it an email, a phone, a number, a date, one of the
choices (by its label or its number, for channels without buttons)? And does the visitor want a person?"""

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bots.flow import AskBlock, Choice
from contacts.actions import clean_email, clean_phone
from core.errors import InvalidInput

# "Talk to a human" in every language the widget speaks; matched as whole words of the normalised message.
HUMAN_PHRASES = {
    "en": ["human", "a person", "real person", "operator", "agent", "talk to someone", "live chat", "manager"],
    "ru": ["оператор", "человек", "живой", "менеджер", "консультант", "позовите", "сотрудник"],
    "es": ["humano", "una persona", "agente", "operador", "asesor"],
    "de": ["mensch", "mitarbeiter", "berater", "echte person", "support mitarbeiter"],
    "fr": ["humain", "une personne", "conseiller", "opérateur", "agent"],
    "pt": ["humano", "uma pessoa", "atendente", "operador", "agente"],
    "ja": ["オペレーター", "担当者", "人間", "スタッフ"],
    "zh": ["人工", "客服", "真人"],
    "mn": ["оператор", "хүнтэй", "ажилтан", "ажилтантай"],
    "kk": ["оператор", "адаммен", "қызметкер", "менеджер"],
    "lt": ["operatorius", "žmogus", "žmogumi", "konsultantas"],
    "km": ["មនុស្ស", "បុគ្គលិក"],
    "ar": ["موظف", "إنسان", "شخص حقيقي", "خدمة العملاء"],
    "tr": ["insan", "temsilci", "operatör", "yetkili"],
}
# The button every bot question offers (web chats), in the visitor's language; each says one of the phrases.
PERSON_BUTTON = {
    "en": "Talk to a person",
    "ru": "Позовите оператора",
    "es": "Hablar con una persona",
    "de": "Mit einem Mitarbeiter sprechen",
    "fr": "Parler à une personne",
    "pt": "Falar com uma pessoa",
    "ja": "担当者と話す",
    "zh": "转人工客服",
    "mn": "Ажилтантай ярих",
    "kk": "Адаммен сөйлесу",
    "lt": "Kalbėti su žmogumi",
    "km": "និយាយជាមួយបុគ្គលិក",
    "ar": "التحدث إلى موظف",
    "tr": "Temsilci ile görüş",
}
# What the knowledge block says, in every widget language: the visitor reads the bot in theirs.
HELPED = {
    "en": "Yes, thanks",
    "ru": "Да, спасибо",
    "es": "Sí, gracias",
    "de": "Ja, danke",
    "fr": "Oui, merci",
    "pt": "Sim, obrigado",
    "ja": "はい、解決しました",
    "zh": "是的，谢谢",
    "mn": "Тийм, баярлалаа",
    "kk": "Иә, рақмет",
    "lt": "Taip, ačiū",
    "km": "បាទ/ចាស អរគុណ",
    "ar": "نعم، شكرًا",
    "tr": "Evet, teşekkürler",
}
DID_NOT_HELP = {
    "en": "No",
    "ru": "Нет",
    "es": "No",
    "de": "Nein",
    "fr": "Non",
    "pt": "Não",
    "ja": "いいえ",
    "zh": "没有",
    "mn": "Үгүй",
    "kk": "Жоқ",
    "lt": "Ne",
    "km": "ទេ",
    "ar": "لا",
    "tr": "Hayır",
}
WAS_IT_HELPFUL = {
    "en": "Did this answer your question?",
    "ru": "Это ответ на ваш вопрос?",
    "es": "¿Esto responde a tu pregunta?",
    "de": "Beantwortet das Ihre Frage?",
    "fr": "Cela répond-il à votre question ?",
    "pt": "Isso respondeu à sua pergunta?",
    "ja": "ご質問の答えになりましたか？",
    "zh": "这回答了您的问题吗？",
    "mn": "Энэ таны асуултад хариулсан уу?",
    "kk": "Бұл сұрағыңызға жауап бола ма?",
    "lt": "Ar tai atsako į jūsų klausimą?",
    "km": "តើនេះឆ្លើយសំណួររបស់អ្នកទេ?",
    "ar": "هل أجاب هذا عن سؤالك؟",
    "tr": "Bu sorunuzu yanıtladı mı?",
}
DID_YOU_MEAN = {
    "en": "I'm not sure I understood. Is it one of these?",
    "ru": "Не уверен, что правильно понял. Может быть, один из этих вопросов?",
    "es": "No estoy seguro de haberte entendido. ¿Es alguna de estas?",
    "de": "Ich bin nicht sicher, ob ich Sie verstanden habe. Ist es eine dieser Fragen?",
    "fr": "Je ne suis pas sûr d'avoir compris. Est-ce l'une de ces questions ?",
    "pt": "Não tenho certeza se entendi. É uma destas?",
    "ja": "うまく理解できなかったかもしれません。こちらのどれかでしょうか？",
    "zh": "我不太确定是否理解了。是下面这些问题之一吗？",
    "mn": "Би сайн ойлгосон эсэхээ мэдэхгүй байна. Эдгээрийн аль нэг нь юу?",
    "kk": "Дұрыс түсіндім бе, білмеймін. Мыналардың бірі ме?",
    "lt": "Nesu tikras, ar supratau. Ar tai vienas iš šių klausimų?",
    "km": "ខ្ញុំមិនប្រាកដថាយល់ទេ។ តើជាសំណួរមួយក្នុងចំណោមទាំងនេះទេ?",
    "ar": "لست متأكدًا أنني فهمت. هل هو أحد هذه الأسئلة؟",
    "tr": "Anladığımdan emin değilim. Bunlardan biri mi?",
}
NOT_FOUND = {
    "en": "Sorry, I couldn't find an answer to that. Try asking in other words, or talk to a person.",
    "ru": "К сожалению, я не нашёл ответа. Спросите другими словами или позовите оператора.",
    "es": "Lo siento, no encontré una respuesta. Prueba a preguntarlo de otra forma o habla con una persona.",
    "de": "Leider habe ich keine Antwort gefunden. Fragen Sie anders oder sprechen Sie mit einem Mitarbeiter.",
    "fr": "Désolé, je n'ai pas trouvé de réponse. Reformulez votre question ou parlez à une personne.",
    "pt": "Desculpe, não encontrei uma resposta. Tente perguntar de outra forma ou fale com uma pessoa.",
    "ja": "申し訳ありません、答えが見つかりませんでした。言い方を変えてお尋ねいただくか、担当者とお話しください。",
    "zh": "抱歉，我没有找到答案。请换个说法再问，或转人工客服。",
    "mn": "Уучлаарай, хариулт олдсонгүй. Өөрөөр асууж үзнэ үү, эсвэл ажилтантай ярина уу.",
    "kk": "Кешіріңіз, жауап таппадым. Басқаша сұрап көріңіз немесе адаммен сөйлесіңіз.",
    "lt": "Atsiprašau, neradau atsakymo. Paklauskite kitaip arba pakalbėkite su žmogumi.",
    "km": "សូមទោស ខ្ញុំរកមិនឃើញចម្លើយទេ។ សូមសួរម្តងទៀតដោយប្រើពាក្យផ្សេង ឬនិយាយជាមួយបុគ្គលិក។",
    "ar": "عذرًا، لم أجد إجابة. جرّب السؤال بطريقة أخرى أو تحدث إلى موظف.",
    "tr": "Üzgünüm, bir yanıt bulamadım. Başka bir şekilde sormayı deneyin ya da bir temsilciyle görüşün.",
}
ANYTHING_ELSE = {
    "en": "Glad it helped! Anything else?",
    "ru": "Рад помочь! Что-нибудь ещё?",
    "es": "¡Me alegra haber ayudado! ¿Algo más?",
    "de": "Schön, dass es geholfen hat! Noch etwas?",
    "fr": "Ravi d'avoir aidé ! Autre chose ?",
    "pt": "Que bom que ajudou! Mais alguma coisa?",
    "ja": "お役に立ててよかったです！ほかにご質問はありますか？",
    "zh": "很高兴能帮到您！还有其他问题吗？",
    "mn": "Тусалсандаа баяртай байна! Өөр асуух зүйл байна уу?",
    "kk": "Көмектескеніме қуаныштымын! Тағы бірдеңе бар ма?",
    "lt": "Džiaugiuosi, kad padėjo! Dar kas nors?",
    "km": "រីករាយដែលបានជួយ! មានអ្វីផ្សេងទៀតទេ?",
    "ar": "سعيد أنني ساعدت! هل من شيء آخر؟",
    "tr": "Yardımcı olabildiysem ne mutlu! Başka bir şey var mı?",
}
LONG_QUESTION = {  # {max}: how many characters of a question are read
    "en": "That's a long message: I looked for an answer to its first {max} characters.",
    "ru": "Сообщение длинное: я искал ответ по первым {max} символам.",
    "es": "Es un mensaje largo: busqué la respuesta con sus primeros {max} caracteres.",
    "de": "Eine lange Nachricht: Ich habe anhand der ersten {max} Zeichen nach einer Antwort gesucht.",
    "fr": "Message long : j'ai cherché une réponse à partir de ses {max} premiers caractères.",
    "pt": "É uma mensagem longa: procurei a resposta com os primeiros {max} caracteres.",
    "ja": "長いメッセージのため、最初の{max}文字で答えを探しました。",
    "zh": "消息较长，我根据前 {max} 个字符查找了答案。",
    "mn": "Урт мессеж байна: эхний {max} тэмдэгтээр нь хариулт хайлаа.",
    "kk": "Хабарлама ұзын: жауапты алғашқы {max} таңбасы бойынша іздедім.",
    "lt": "Ilga žinutė: atsakymo ieškojau pagal pirmuosius {max} simbolius.",
    "km": "សារនេះវែង៖ ខ្ញុំបានស្វែងរកចម្លើយដោយផ្អែកលើតួអក្សរ {max} ដំបូងរបស់វា។",
    "ar": "رسالة طويلة: بحثت عن إجابة بناءً على أول {max} حرف منها.",
    "tr": "Uzun bir mesaj: yanıtı ilk {max} karakterine göre aradım.",
}
IN_ANOTHER_LANGUAGE = {  # {language}: the answer's language, named in its own
    "en": "(This answer is only in {language}.)",
    "ru": "(Этот ответ есть только на языке: {language}.)",
    "es": "(Esta respuesta solo está en {language}.)",
    "de": "(Diese Antwort gibt es nur auf {language}.)",
    "fr": "(Cette réponse n'existe qu'en {language}.)",
    "pt": "(Esta resposta só está em {language}.)",
    "ja": "（この回答は{language}のみです。）",
    "zh": "（此回答仅有{language}版本。）",
    "mn": "(Энэ хариулт зөвхөн {language} хэлээр байна.)",
    "kk": "(Бұл жауап тек {language} тілінде бар.)",
    "lt": "(Šis atsakymas yra tik šia kalba: {language}.)",
    "km": "(ចម្លើយនេះមានតែជាភាសា {language} ប៉ុណ្ណោះ។)",
    "ar": "(هذه الإجابة متوفرة فقط بلغة {language}.)",
    "tr": "(Bu yanıt yalnızca {language} dilinde.)",
}
SOURCES = {  # heads the entries an answer worded by a language model was taken from
    "en": "Sources:",
    "ru": "Источники:",
    "es": "Fuentes:",
    "de": "Quellen:",
    "fr": "Sources :",
    "pt": "Fontes:",
    "ja": "出典：",
    "zh": "来源：",
    "mn": "Эх сурвалж:",
    "kk": "Дереккөздер:",
    "lt": "Šaltiniai:",
    "km": "ប្រភព៖",
    "ar": "المصادر:",
    "tr": "Kaynaklar:",
}


def phrase(phrases: dict[str, str], language: str) -> str:
    return phrases.get(language, phrases["en"])


_CJK_OR_KHMER = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\u1780-\u17ff]")


class InvalidAnswer(Exception):
    """The answer does not fit the question; `detail` says why, for the log (the visitor sees the retry text)."""


@dataclass(frozen=True)
class Answer:
    value: object  # str, float, ISO date or list of labels
    choice: Choice | None = None  # the chosen one of a single choice: its branch


def _normal(text: str) -> str:
    """Lower case, punctuation to spaces; combining marks stay (Khmer and Indic vowels are not `\\w`)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    kept = (c if c.isalnum() or c.isspace() or c in "+@.-_" or unicodedata.category(c)[0] == "M" else " " for c in text)
    return " ".join("".join(kept).split())


def wants_a_person(text: str) -> bool:
    normal = _normal(text)
    padded = f" {normal} "
    for phrases in HUMAN_PHRASES.values():
        for phrase in phrases:
            phrase = phrase.casefold()
            # Scripts without spaces between words match inside the text; others as whole words.
            if (phrase in normal) if _CJK_OR_KHMER.search(phrase) else (f" {phrase} " in padded):
                return True
    return False


def read_answer(block: AskBlock, text: str, *, files: Sequence[str] = (), time_zone: str = "") -> Answer:
    """`files`: the names of the files sent with the answer (a file question wants one)."""
    if block.kind == "file":
        if not files:
            raise InvalidAnswer("no file")
        return Answer(", ".join(files)[:1000])
    text = text.strip()
    if not text:
        raise InvalidAnswer("empty")
    if block.kind == "email":
        return Answer(_checked(clean_email, text))
    if block.kind == "phone":
        return Answer(_checked(lambda value: clean_phone(value, time_zone=time_zone), text))
    if block.kind == "number":
        return Answer(_number(text))
    if block.kind == "date":
        return Answer(_date(text))
    if block.kind == "choice":
        choice = _choice(block.choices, text)
        return Answer(choice.label, choice)
    if block.kind == "multi_choice":
        parts = [p for p in re.split(r"[,;\n]+|\s+(?:and|и|y|und|et|e)\s+", text) if p.strip()]
        return Answer(sorted({_choice(block.choices, part).label for part in parts}, key=_order(block.choices)))
    return Answer(text[:1000])


def numbered(choices: list[Choice]) -> str:
    """The choices as numbered lines, for channels that show no buttons (email)."""
    return "\n".join(f"{i}. {choice.label}" for i, choice in enumerate(choices, 1))


def _checked(clean: Callable[[str], str], text: str) -> str:
    try:
        value = clean(text)
    except InvalidInput as error:
        raise InvalidAnswer(error.detail) from None
    if not value:
        raise InvalidAnswer("empty")
    return str(value)


def _number(text: str) -> float:
    cleaned = re.sub(r"[\s\u00a0']", "", text).replace(",", ".")
    match = re.fullmatch(r"[-+]?\d+(\.\d+)?", cleaned)
    if not match:
        raise InvalidAnswer(f"not a number: {text[:40]}")
    return float(cleaned)


def _date(text: str) -> str:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y"):
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    raise InvalidAnswer(f"not a date: {text[:40]}")


def _choice(choices: list[Choice], text: str) -> Choice:
    normal = _normal(text)
    if normal.isdigit() and 1 <= int(normal) <= len(choices):
        return choices[int(normal) - 1]
    for choice in choices:
        if _normal(choice.label) == normal:
            return choice
    matches = [c for c in choices if normal and (normal in _normal(c.label) or _normal(c.label) in normal)]
    if len(matches) == 1:
        return matches[0]
    raise InvalidAnswer(f"not one of the choices: {text[:40]}")


def _order(choices: list[Choice]) -> Callable[[str], int]:
    return [c.label for c in choices].index
