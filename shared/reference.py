"""Reference data for Drammen: districts, volunteer skills and language codes."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from typing import Any

ALL_DISTRICTS = "all"
ALL_DISTRICTS_NAME = "Alle bydeler"

DISTRICTS: dict[str, str] = {
    "mjondalen": "Mjøndalen, Åsen og Steinberg",
    "krokstadelva": "Krokstadelva og Stenseth",
    "solbergelva": "Solbergelva, Solbergmoen og Åssiden",
    "gulskogen": "Rødskog og Gulskogen",
    "konnerud": "Konnerud og Skoger vest",
    "fjell": "Strømsø overfor Vestfoldbanen; Danvik, Austad og Fjell",
    "stromso": "Strømsø nedenfor Vestfoldbanen; Grønland, Marienlyst, Brandengen og Tangen",
    "bragernes": "Bragernes og Øren",
    "skoger": "Skoger, Åskollen og Nesbygda",
    "svelvik": "Svelvik sentrum, Ebbestad og Berger",
}

LABEL_LANGUAGES: tuple[str, ...] = ("nb", "nn", "en")
DEFAULT_LABEL_LANGUAGE = "nb"


@dataclass(frozen=True)
class Skill:
    """A volunteer skill with labels in bokmål, nynorsk and English plus search synonyms."""

    code: str
    nb: str
    nn: str
    en: str
    synonyms: tuple[str, ...] = ()

    def label(self, lang: str = DEFAULT_LABEL_LANGUAGE) -> str:
        """Return the label in lang, falling back to bokmål."""
        return {"nb": self.nb, "nn": self.nn, "en": self.en}.get(lang, self.nb)

    def terms(self) -> tuple[str, ...]:
        """Return the code, all labels and all synonyms."""
        return (self.code, self.nb, self.nn, self.en, *self.synonyms)


_SKILL_LIST: tuple[Skill, ...] = (
    Skill(
        "driving", "Kjøring", "Køyring", "Driving",
        ("sjåfør", "bilkjøring", "bilkøyring", "skyss", "skyssteneste",
         "driver", "car rides", "transport"),
    ),
    Skill(
        "cooking", "Matlaging", "Matlaging", "Cooking",
        ("kokk", "lage mat", "laga mat", "kjøkkenhjelp", "kjøkenhjelp",
         "cook", "kitchen help", "meal preparation"),
    ),
    Skill(
        "homework_help", "Leksehjelp", "Leksehjelp", "Homework help",
        ("lekser", "leksehjelper", "leksehjelpar", "leksekafé", "skolehjelp",
         "tutoring", "tutor", "homework"),
    ),
    Skill(
        "visiting_friend", "Besøksvenn", "Besøksven", "Visiting friend",
        ("besøksvenner", "besøkstjeneste", "besøksteneste", "besøke eldre",
         "vitje eldre", "befriender", "visitor", "visiting service"),
    ),
    Skill(
        "first_aid", "Førstehjelp", "Fyrstehjelp", "First aid",
        ("førstehjelper", "fyrstehjelpar", "sanitet", "hlr", "hjerte-lunge-redning",
         "hjarte-lunge-redning", "cpr", "first aider"),
    ),
    Skill(
        "it_help", "IT-hjelp", "IT-hjelp", "IT help",
        ("datahjelp", "data", "pc-hjelp", "mobilhjelp", "digital hjelp",
         "digital rettleiing", "tech support", "computer help", "digital help"),
    ),
    Skill(
        "language_practice", "Språktrening", "Språktrening", "Language practice",
        ("språkkafé", "språkkafe", "norsktrening", "norskøving", "språkvenn",
         "språkven", "samtaletrening", "language cafe", "conversation practice",
         "norwegian practice"),
    ),
    Skill(
        "sports_coaching", "Idrettstrener", "Idrettstrenar", "Sports coaching",
        ("trener", "trenar", "fotballtrener", "fotballtrenar", "idrett",
         "coach", "coaching", "sports coach"),
    ),
    Skill(
        "event_crew", "Arrangementsmannskap", "Arrangementsmannskap", "Event crew",
        ("arrangement", "arrangementshjelp", "funksjonær", "festivalfrivillig",
         "rigging", "event volunteer", "steward", "festival crew"),
    ),
    Skill(
        "music", "Musikk", "Musikk", "Music",
        ("musiker", "musikar", "spille instrument", "spele instrument", "sang",
         "song", "kor", "korsang", "choir", "singing", "musician"),
    ),
    Skill(
        "outdoor_guide", "Turleder", "Turleiar", "Outdoor guide",
        ("friluftsliv", "friluftsleder", "friluftsleiar", "turguide", "guide",
         "hiking guide", "outdoor activities"),
    ),
    Skill(
        "translation", "Oversettelse", "Omsetjing", "Translation",
        ("oversetting", "oversetter", "omsetjar", "tolk", "tolking",
         "translator", "interpreter", "interpreting"),
    ),
    Skill(
        "shopping_help", "Handlehjelp", "Handlehjelp", "Shopping help",
        ("handle mat", "handling", "innkjøp", "innkjøpshjelp", "ærender", "ærend",
         "grocery shopping", "errands"),
    ),
    Skill(
        "gardening", "Hagearbeid", "Hagearbeid", "Gardening",
        ("hage", "hagestell", "plantepleie", "gartner", "gartnar",
         "garden", "gardener", "planting"),
    ),
    Skill(
        "reading_aloud", "Høytlesning", "Høgtlesing", "Reading aloud",
        ("lesevenn", "leseven", "lese høyt", "lese høgt", "eventyrstund",
         "read aloud", "reading buddy", "storytelling"),
    ),
    Skill(
        "walking_companion", "Turvenn", "Turven", "Walking companion",
        ("gåvenn", "gåven", "gåtur", "spasertur", "følge på tur", "gå tur",
         "walking buddy", "walking partner"),
    ),
    Skill(
        "accompaniment", "Følgetjeneste", "Følgjeteneste", "Appointment escort",
        ("følge til lege", "følgje til lege", "ledsager", "ledsagar",
         "escort", "hospital escort", "accompanying"),
    ),
    Skill(
        "mentoring", "Mentor", "Mentor", "Mentoring",
        ("mentorordning", "veileder", "veiledning", "rettleiar", "rettleiing",
         "forbilde", "mentorship", "role model"),
    ),
    Skill(
        "youth_work", "Ungdomsarbeid", "Ungdomsarbeid", "Youth work",
        ("ungdomsklubb", "fritidsklubb", "ungdomsleder", "ungdomsleiar",
         "natteravn", "natteravner", "youth club", "youth leader"),
    ),
    Skill(
        "childcare", "Barnepass", "Barnepass", "Childcare",
        ("barnevakt", "passe barn", "passa born", "barneaktiviteter",
         "babysitting", "babysitter", "child minding"),
    ),
    Skill(
        "crafts", "Håndarbeid og forming", "Handarbeid og forming", "Arts and crafts",
        ("håndarbeid", "handarbeid", "forming", "strikking", "tegning", "teikning",
         "knitting", "crafts", "handicraft", "drawing"),
    ),
    Skill(
        "sewing", "Sying", "Sauming", "Sewing",
        ("sy", "syarbeid", "reparere klær", "reparere klede", "symaskin",
         "mending", "tailoring", "clothes repair"),
    ),
    Skill(
        "repairs", "Reparasjoner", "Reparasjonar", "Repairs",
        ("vaktmester", "vaktmeister", "snekker", "snikkar", "småreparasjoner",
         "småreparasjonar", "handyman", "maintenance", "bike repair"),
    ),
    Skill(
        "administration", "Administrasjon", "Administrasjon", "Administration",
        ("kontorarbeid", "sekretær", "styrearbeid", "regnskap", "rekneskap",
         "kasserer", "kasserar", "office work", "bookkeeping", "board work"),
    ),
    Skill(
        "fundraising", "Innsamling", "Innsamling", "Fundraising",
        ("innsamlingsaksjon", "pengeinnsamling", "bøssebærer", "bøssebærar",
         "loddsalg", "loddsal", "donations", "charity collection"),
    ),
    Skill(
        "cleanup", "Dugnad og rydding", "Dugnad og rydding", "Clean-up",
        ("dugnad", "rydding", "strandrydding", "søppelplukking", "bosplukking",
         "plogging", "litter picking", "beach cleanup"),
    ),
    Skill(
        "animal_care", "Dyrestell", "Dyrestell", "Animal care",
        ("dyr", "dyrepass", "hundelufting", "dyrevern", "dog walking",
         "pet care", "animal shelter"),
    ),
    Skill(
        "refugee_support", "Flyktningstøtte", "Flyktningstøtte", "Refugee support",
        ("flyktninghjelp", "flyktningguide", "flyktningvenn", "flyktningven",
         "integrering", "refugee guide", "integration", "newcomer support"),
    ),
    Skill(
        "food_distribution", "Matutdeling", "Matutdeling", "Food distribution",
        ("matsentral", "matbank", "suppekjøkken", "suppekjøken", "matombringing",
         "food bank", "soup kitchen", "meals on wheels"),
    ),
    Skill(
        "swimming_instruction", "Svømmeopplæring", "Symjeopplæring", "Swimming instruction",
        ("svømming", "symjing", "svømmetrener", "symjetrenar", "livredder",
         "livbergar", "swimming", "lifeguard", "swim coach"),
    ),
    Skill(
        "photography", "Fotografering", "Fotografering", "Photography",
        ("foto", "fotograf", "fotografi", "bilder", "bilete", "video",
         "photographer", "photo", "filming"),
    ),
    Skill(
        "social_media", "Sosiale medier", "Sosiale medium", "Social media",
        ("markedsføring", "marknadsføring", "kommunikasjon", "nettside", "some",
         "instagram", "facebook", "marketing", "communications", "website"),
    ),
)

SKILLS: dict[str, Skill] = {skill.code: skill for skill in _SKILL_LIST}

LANGUAGES: frozenset[str] = frozenset(
    (
        "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce"
        " ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr"
        " fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is"
        " it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln"
        " lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv"
        " ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk"
        " sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw"
        " ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
    ).split()
)

_NORDIC_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "-": " ", "_": " "})
_MAX_SUGGESTIONS = 5
_SUGGESTION_CUTOFF = 0.6


def normalise(text: str) -> str:
    """Return a case- and accent-insensitive lookup key for text."""
    lowered = text.strip().lower().translate(_NORDIC_LETTERS)
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.split())


def _build_skill_index() -> dict[str, str]:
    """Map every normalised code, label and synonym to its skill code."""
    index: dict[str, str] = {}
    for skill in _SKILL_LIST:
        for term in skill.terms():
            index.setdefault(normalise(term), skill.code)
    return index


_SKILL_INDEX: dict[str, str] = _build_skill_index()


class UnknownSkill(ValueError):
    """Raised when a text does not match any known skill."""

    def __init__(self, value: str, suggestions: list[str] | None = None) -> None:
        """Store the unknown value and the closest skill codes."""
        self.value = value
        self.suggestions: list[str] = list(suggestions or [])
        message = f"Ukjent ferdighet: {value!r}"
        if self.suggestions:
            message += f". Mente du: {', '.join(self.suggestions)}?"
        super().__init__(message)


def _suggest_skills(key: str) -> list[str]:
    """Return up to five skill codes whose terms are closest to key, best first."""
    if not key:
        return []
    matches = difflib.get_close_matches(
        key, _SKILL_INDEX.keys(), n=len(_SKILL_INDEX), cutoff=_SUGGESTION_CUTOFF
    )
    codes = dict.fromkeys(_SKILL_INDEX[match] for match in matches)
    return list(codes)[:_MAX_SUGGESTIONS]


def resolve_skill(text: str) -> str:
    """Return the skill code matching a code, label or synonym, or raise UnknownSkill."""
    if not isinstance(text, str):
        raise UnknownSkill(repr(text))
    if text in SKILLS:
        return text
    key = normalise(text)
    code = _SKILL_INDEX.get(key)
    if code is None:
        raise UnknownSkill(text, _suggest_skills(key))
    return code


def skill_label(code: str, lang: str = DEFAULT_LABEL_LANGUAGE) -> str:
    """Return the label of a skill code in lang (nb, nn or en), falling back to bokmål."""
    return SKILLS[code].label(lang)


def district_name(code: str) -> str:
    """Return the display name of a district code, including the all-districts code."""
    if code == ALL_DISTRICTS:
        return ALL_DISTRICTS_NAME
    return DISTRICTS[code]


def skills_listing() -> list[dict[str, Any]]:
    """Return all skills as JSON-ready dicts for GET /skills."""
    return [
        {
            "code": skill.code,
            "labels": {"nb": skill.nb, "nn": skill.nn, "en": skill.en},
            "synonyms": list(skill.synonyms),
        }
        for skill in _SKILL_LIST
    ]


def districts_listing() -> list[dict[str, str]]:
    """Return all districts as JSON-ready dicts for GET /districts."""
    return [{"code": code, "name": name} for code, name in DISTRICTS.items()]
