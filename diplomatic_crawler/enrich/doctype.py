"""Document type of a diplomatic text: rule-based, multilingual (en, fr, ru, es), with its evidence.

Types (`DOC_TYPES`): press_release, statement, joint_statement, readout (of a call or meeting), briefing
(briefing or press-conference transcript), speech, interview, op_ed (op-ed, article, analysis,
opinion), news_report, other (service and reference pages: visas, organisation charts, biographies).

How it decides, in one pass over four short strings:

* Evidence comes from the title, the URL path, the section and the opening of the text (first 300
  characters). Every string is case-folded and stripped of accents first ("Communiqué" = "communique",
  "ё" = "е").
* A rule is either a *genre label* the page gives itself ("Joint statement", "Readout of", "Пресс-релиз",
  "Rueda de prensa") or a *content cue* ("held a telephone conversation", "a reçu", "переговоры",
  "según fuentes"). Weights: title genre 6 (more than the cues of all four places together) / cue 2,
  URL and section genre 3 / cue 1, opening genre 1.5 / cue 1. In each place only the strongest matching
  rule of a type counts.
* The type with the highest total wins; ties go to the more specific type (`PRIORITY`: joint statement
  before statement, briefing before speech, ...). So an explicit label beats content: "Press release on
  political consultations" is a press release, "Statement ... on the telephone conversation" a statement.
* Without any evidence an article is a `news_report` (the reason says so).

`doc_type_reason` lists the evidence for the winning type, e.g. `title[en] «joint statement»; url «joint
statement»`, so a researcher can audit and re-label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from .folding import fold as fold_accents

__all__ = ["DOC_TYPES", "PRIORITY", "DocType", "classify_doc_type", "fold"]

DOC_TYPES = (
    "press_release",
    "statement",
    "joint_statement",
    "readout",
    "briefing",
    "speech",
    "interview",
    "op_ed",
    "news_report",
    "other",
)
# Tie-break: the more specific type first.
PRIORITY = (
    "joint_statement",
    "briefing",
    "interview",
    "readout",
    "speech",
    "op_ed",
    "statement",
    "press_release",
    "other",
    "news_report",
)
DEFAULT = "news_report"
OPENING_CHARS = 300

WEIGHTS = {
    "title": {"genre": 6.0, "cue": 2.0},
    "url": {"genre": 3.0, "cue": 1.0},
    "section": {"genre": 3.0, "cue": 1.0},
    "opening": {"genre": 1.5, "cue": 1.0},
}
ALL_PLACES = ("title", "url", "section", "opening")
SUPPORTED_LANGUAGES = frozenset({"en", "fr", "ru", "es"})
# A specific type is also evidence of its parent: a joint statement is a statement, so the statement
# evidence of places where the joint rules found nothing adds to the joint score.
PARENTS = {"joint_statement": "statement"}
NO_OPENING = ("title", "url", "section")


@dataclass(frozen=True)
class DocType:
    label: str
    reason: str
    score: float


@dataclass(frozen=True)
class _Rule:
    label: str
    strength: str  # "genre" or "cue"
    lang: str
    pattern: re.Pattern[str]
    places: tuple[str, ...]


# (label, strength, language, regex on folded text, places). Regexes are written folded: lower case,
# no accents, "е" for "ё", "и" for "й".
_RULE_SOURCE: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    # -- joint statement
    (
        "joint_statement",
        "genre",
        "en",
        r"\bjoint (?:press )?(?:statement|declaration|communique|press release)s?\b",
        ALL_PLACES,
    ),
    (
        "joint_statement",
        "genre",
        "fr",
        r"\b(?:declaration (?:conjointe|commune)|communique (?:de presse )?conjoint)",
        ALL_PLACES,
    ),
    ("joint_statement", "genre", "ru", r"\bсовместн\w* (?:заявлени|коммюнике|декларац)", ALL_PLACES),
    ("joint_statement", "genre", "es", r"\b(?:declaracion conjunta|comunicado conjunto)\b", ALL_PLACES),
    # Several signatories: "Statement by the G7 Foreign Ministers", "Declaration of the Heads of State".
    (
        "joint_statement",
        "cue",
        "en",
        r"\b(?:statement|declaration) (?:by|of) the (?:[\w-]+ ){0,4}(?:ministers|leaders|heads of|co-chairs)\b",
        ("title",),
    ),
    # -- briefing / press conference transcript
    (
        "briefing",
        "genre",
        "en",
        r"\b(?:briefings?(?! room)|press conference|news conference|transcript|press availability|stakeout"
        r"|remarks to (?:the )?(?:press|media|reporters))\b",
        ALL_PLACES,
    ),
    (
        "briefing",
        "genre",
        "fr",
        r"\b(?:point de presse|conference de presse|briefing|questions?[- ]reponses)\b",
        ALL_PLACES,
    ),
    (
        "briefing",
        "genre",
        "ru",
        r"(?:\bбрифинг|\bпресс-конференц|\bстенограмм|\bпресс-подход|\bответы на вопросы)",
        ALL_PLACES,
    ),
    (
        "briefing",
        "genre",
        "es",
        r"\b(?:rueda de prensa|conferencia de prensa|sesion informativa|version estenografica|transcripcion)\b",
        ALL_PLACES,
    ),
    # -- interview
    ("interview", "genre", "en", r"\b(?:interviews?|in conversation with|q&a with)\b", ALL_PLACES),
    (
        "interview",
        "genre",
        "fr",
        r"\b(?:interview|entretien accorde|entretien\b[^.]{0,80}(?:«|\"|\b(?:journal|quotidien|radio|television"
        r"|chaine|magazine|hebdomadaire)\b))",
        ALL_PLACES,
    ),
    (
        "interview",
        "genre",
        "ru",
        r"(?:\bинтервью\b|\bбеседа\b[^.]{0,60}\b(?:журнал\w*|газет\w*|телеканал\w*|радио\w*|редактор\w*))",
        ALL_PLACES,
    ),
    ("interview", "genre", "es", r"\bentrevistas?\b", ALL_PLACES),
    # -- readout of a call or meeting
    ("readout", "genre", "en", r"\bread-?outs?\b", ALL_PLACES),
    (
        "readout",
        "cue",
        "en",
        r"\b(?:(?:telephone|phone|video) (?:call|conversation)|calls? with|conversation with|meets?|met with"
        r"|meeting|holds? talks|held talks|talks with|consultations|spoke (?:today )?(?:with|by phone)"
        r"|receives?|received)\b",
        ALL_PLACES,
    ),
    (
        "readout",
        "cue",
        "fr",
        r"\b(?:entretien|s'est entretenue?|entretenu|rencontre|a recu|recoit|recu par|entrevue|consultations"
        r"|s'est reunie?|appel telephonique|par telephone)\b",
        ALL_PLACES,
    ),
    (
        "readout",
        "cue",
        "ru",
        r"(?:\bтелефонн\w* разговор|\bпереговор|\bвстреч|\bконсультаци|\bпринял\w*\b|\bбесед[аеуы]\b)",
        ALL_PLACES,
    ),
    (
        "readout",
        "cue",
        "es",
        r"\b(?:conversacion telefonica|llamada|reunion|se reune|se reunio|recibe a|recibio a|ha recibido|encuentro"
        r"|reunido|consultas politicas|mantuvo|converso)\b",
        ALL_PLACES,
    ),
    # -- speech
    (
        "speech",
        "genre",
        "en",
        r"\b(?:speech(?:es)?|remarks|address(?:es)? (?:by|at|to|of|before)|keynote|welcoming words)\b",
        ALL_PLACES,
    ),
    (
        "speech",
        "genre",
        "fr",
        r"\b(?:discours|allocution|intervention (?:de|du|d'|a|au|lors)|propos liminaires|mot d'accueil)\b",
        ALL_PLACES,
    ),
    (
        "speech",
        "genre",
        "ru",
        r"(?:\bвыступлени|\bречь\b|\bприветстви|\bобращени|\b(?:вступительн|заключительн)\w* слово)",
        ALL_PLACES,
    ),
    (
        "speech",
        "genre",
        "es",
        r"\b(?:discurso|intervencion (?:de|del|en|ante)|palabras (?:de|del)|alocucion)\b",
        ALL_PLACES,
    ),
    # -- op-ed, article, analysis, opinion
    (
        "op_ed",
        "genre",
        "en",
        r"\b(?:op-?eds?|opinion|commentary(?! (?:of|by) the)|analysis|column|editorial|article (?:by|of)|viewpoint)\b",
        ALL_PLACES,
    ),
    (
        "op_ed",
        "genre",
        "fr",
        r"\b(?:tribune|analyse|point de vue|chronique|editorial|opinions?|article (?:de|du|d'))\b",
        ALL_PLACES,
    ),
    ("op_ed", "genre", "ru", r"(?:\bстать[яиюе]\b|\bмнение\b|\bколонка\b|\bанализ\b)", NO_OPENING),
    (
        "op_ed",
        "genre",
        "es",
        r"\b(?:tribuna|articulo de opinion|opinion|analisis|columna|editorial|articulo (?:del|de la))\b",
        ALL_PLACES,
    ),
    # -- statement (incl. spokesperson comments and answers to a media question)
    ("statement", "genre", "en", r"\b(?:statements?|declarations?|comments?|commentary (?:of|by) the)\b", ALL_PLACES),
    (
        "statement",
        "cue",
        "en",
        r"\b(?:condemns?|condemned|welcomes?|congratulat\w+|condolences|deplores?|on the (?:occasion|anniversary))\b",
        ALL_PLACES,
    ),
    ("statement", "genre", "fr", r"\b(?:declaration|reaction)\b", ALL_PLACES),
    ("statement", "cue", "fr", r"\b(?:condamne|se felicite|deplore|condoleances|salue)\b", ALL_PLACES),
    ("statement", "genre", "ru", r"(?:\bзаявлени|\bкомментари|\bответ\b[^.]{0,100}\bна вопрос\b)", ALL_PLACES),
    ("statement", "cue", "ru", r"(?:\bосужда\w*|\bсоболезновани\w*|\bприветству\w*)", ALL_PLACES),
    ("statement", "genre", "es", r"\b(?:declaracion|posicionamiento|pronunciamiento)\b", ALL_PLACES),
    (
        "statement",
        "cue",
        "es",
        r"\b(?:condena|lamenta|expresa (?:su )?(?:preocupacion|condolencias|solidaridad)|saluda)\b",
        ALL_PLACES,
    ),
    # -- press release
    ("press_release", "genre", "en", r"\b(?:press|news|media) releases?\b", ALL_PLACES),
    # Announcements of a coming visit or event are press releases.
    ("press_release", "cue", "en", r"\b(?:will (?:pay a )?visit|upcoming visit|forthcoming visit)\b", ALL_PLACES),
    ("press_release", "cue", "fr", r"\b(?:se rendra|effectuera une visite|recevra)\b", ALL_PLACES),
    ("press_release", "cue", "ru", r"\bпредстоящ\w*", ALL_PLACES),
    ("press_release", "cue", "es", r"\b(?:realizara una visita|visitara|recibira)\b", ALL_PLACES),
    ("press_release", "genre", "fr", r"(?<!joint )\bcommuniques?\b(?! (?:de presse )?conjoint)", ALL_PLACES),
    (
        "press_release",
        "genre",
        "ru",
        r"(?:\bпресс-релиз|\bсообщение для (?:сми|прессы|средств массовои информации)|\bинформационное сообщение)",
        ALL_PLACES,
    ),
    (
        "press_release",
        "genre",
        "es",
        r"\b(?:comunicados?|nota de prensa|nota informativa|(?:la cancilleria|el ministerio|la secretaria|la embajada)"
        r" informa)\b",
        ALL_PLACES,
    ),
    # -- news report (cues only: reporting verbs, news sections)
    ("news_report", "cue", "en", r"\b(?:said|says|say|told|reported|reports|according to|sources)\b", ALL_PLACES),
    (
        "news_report",
        "cue",
        "fr",
        r"\b(?:selon|a rapporte|a annonce|a-t-on appris|a indique|ont annonce|rapporte)\b",
        ALL_PLACES,
    ),
    (
        "news_report",
        "cue",
        "ru",
        r"(?:\bсообщил\w*|\bсообщает|\bпередает|\bпо данным|\bпо словам|\bкак стало известно|\bисточник\w*)",
        ALL_PLACES,
    ),
    ("news_report", "cue", "es", r"\b(?:segun|informo|informaron|anuncio|dijo|indico|fuentes)\b", ALL_PLACES),
    (
        "news_report",
        "cue",
        "*",
        r"\b(?:news|novosti|noticias|actualites|actualidad|nouvelles|story|stories|world|monde|mundo|international"
        r"|internacional|politics|politique|politica|novost\w*)\b",
        ("url", "section"),
    ),
    # -- other: service and reference pages
    (
        "other",
        "genre",
        "en",
        r"\b(?:visas?|consular services?|about us|biography|contacts?|organi[sz]ation(?:al)? chart|useful links|faq"
        r"|vacanc(?:y|ies)|tenders?|passports?)\b",
        NO_OPENING,
    ),
    (
        "other",
        "genre",
        "fr",
        r"\b(?:demarches|etat civil|organigramme|biographie|contacts?|services consulaires|visas?|passeports?)\b",
        NO_OPENING,
    ),
    (
        "other",
        "genre",
        "ru",
        r"(?:\bвизов\w*|\bвизы\b|\bструктура\b|\bбиографи\w*|\bконтакты\b|\bпаспорт\w*)",
        NO_OPENING,
    ),
    (
        "other",
        "genre",
        "es",
        r"\b(?:visas?|requisitos|organigrama|biografia|contacto|tramites|pasaportes?)\b",
        NO_OPENING,
    ),
)


def fold(text: str) -> str:
    """Lower case without accents ("Communiqué" -> "communique", "Приём" -> "прием"); length may change."""
    return fold_accents(text).replace("’", "'")


@lru_cache(maxsize=1)
def _rules() -> tuple[_Rule, ...]:
    return tuple(
        _Rule(label, strength, lang, re.compile(fold(source)), places)
        for label, strength, lang, source, places in _RULE_SOURCE
    )


def _url_words(url: str | None) -> str:
    """The URL path (and query) as words: separators become spaces, file extensions go."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    path = unquote(parts.path + (" " + parts.query if parts.query else ""))
    path = re.sub(r"\.(?:s?html?|aspx?|php|jsp|cfm)\b", " ", path, flags=re.I)
    path = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", path)  # camelCase / PascalCase segments
    return re.sub(r"[\W_]+", " ", path).strip()


def classify_doc_type(
    title: str | None,
    url: str | None = None,
    section: str | None = None,
    text: str | None = None,
    language: str | None = None,
) -> DocType:
    """Classify one article; pure and cheap (a few dozen regex searches over short strings).

    With a supported `language` (en, fr, ru, es) only that language's rules read the title, section and
    opening (French "comment" is not an English comment); every language's rules read the URL, since
    sites often keep English paths over other languages. Without a language, or with another one, every
    rule reads everything.
    """
    lang = (language or "").lower()[:2]
    only = lang if lang in SUPPORTED_LANGUAGES else None
    places = {
        "title": fold(title or ""),
        "url": fold(_url_words(url)),
        "section": fold(section or ""),
        "opening": fold((text or "")[:OPENING_CHARS]),
    }
    # (label, place) -> (weight, evidence)
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for rule in _rules():
        for place in rule.places:
            if only and place != "url" and rule.lang not in ("*", only):
                continue
            value = places[place]
            if not value:
                continue
            weight = WEIGHTS[place][rule.strength]
            key = (rule.label, place)
            if key in best and best[key][0] >= weight:
                continue
            match = rule.pattern.search(value)
            if match:
                tag = place if rule.lang == "*" else f"{place}[{rule.lang}]"
                best[key] = (weight, f"{tag} «{match.group(0).strip()}»")
    scores: dict[str, float] = {}
    for (label, _place), (weight, _evidence) in best.items():
        scores[label] = scores.get(label, 0.0) + weight
    for child, parent in PARENTS.items():
        if child not in scores:
            continue
        for place in ALL_PLACES:
            if (parent, place) not in best:
                continue
            weight, evidence = best[(parent, place)]
            if (child, place) not in best:
                best[(child, place)] = (weight, evidence)
                scores[child] += weight
            elif best[(child, place)][0] < weight:
                own_weight, own_evidence = best[(child, place)]
                best[(child, place)] = (weight, f"{own_evidence} + {evidence}")
                scores[child] += weight - own_weight
    if not scores:
        return DocType(DEFAULT, "default: no genre evidence in title, URL, section or opening", 0.0)
    label = max(scores, key=lambda lab: (scores[lab], -PRIORITY.index(lab)))
    evidence = [best[(label, place)][1] for place in ALL_PLACES if (label, place) in best]
    return DocType(label, "; ".join(evidence), scores[label])
