"""The vocabulary of the ``ai/filters`` rules: the words people use for devices, browsers,
systems, places, traffic sources, errors and dates, and the property values they stand for.

Values follow what PostHog's own libraries record: ``$browser``/``$os``/``$device_type`` as
posthog-js sets them (``Mac OS X``, ``Chrome OS``, ``Samsung Internet``), ``$geoip_*`` as
PostHog's GeoIP enrichment names countries and cities (English names), channel types as
``phemu.resources.sessions.channel_type`` lists them.
"""

from __future__ import annotations

from phemu.resources.sessions.channel_type import BUILTIN_CHANNEL_TYPES
from phemu_ai_rules.words import split

#: (property key, leaf type) of each kind of mention.
KEYS = {
    "device": ("$device_type", "person"),
    "browser": ("$browser", "person"),
    "os": ("$os", "person"),
    "country": ("$geoip_country_name", "person"),
    "city": ("$geoip_city_name", "person"),
    "continent": ("$geoip_continent_name", "person"),
    "level": ("level", "log_entry"),
    "channel": ("$channel_type", "session"),
}

#: phrase -> [(kind, value), ...]; one phrase may set two properties (``iphone``).
MENTIONS: dict[str, list[tuple[str, str]]] = {}


def _add(kind: str, value: str, phrases: str) -> None:
    for phrase in phrases.split("|"):
        MENTIONS.setdefault(" ".join(phrase.split()), []).append((kind, value))


_add("device", "Mobile", "mobile | phone | phones | smartphone | smartphones | cell phone")
_add("device", "Mobile", "cell phones | mobile phone | mobile phones | handheld | mobiles")
_add("device", "Desktop", "desktop | desktops | laptop | laptops | computer | computers | pc")
_add("device", "Tablet", "tablet | tablets")
_add("device", "Mobile", "iphone | iphones | android phone | android phones")
_add("os", "iOS", "iphone | iphones | ipad | ipads")
_add("device", "Tablet", "ipad | ipads")
_add("os", "Mac OS X", "macbook | macbooks | imac | mac | macs | macos | mac os | os x | osx")
_add("browser", "Chrome", "chrome | google chrome")
_add("browser", "Firefox", "firefox | mozilla firefox")
_add("browser", "Safari", "safari")
_add("browser", "Edge", "edge | microsoft edge")
_add("browser", "Opera", "opera")
_add("browser", "Internet Explorer", "internet explorer | ie11")
_add("browser", "Samsung Internet", "samsung internet | samsung browser")
_add("os", "Windows", "windows | windows 10 | windows 11 | win10")
_add("os", "iOS", "ios")
_add("os", "Android", "android | android phone | android phones")
_add("os", "Linux", "linux | ubuntu")
_add("os", "Chrome OS", "chromebook | chromebooks | chrome os | chromeos")
_add("level", "error", "error | errors | bug | bugs | buggy | problem | problems | crash")
_add("level", "error", "crashes | crashed | crashing | exception | exceptions | broke | broken")
_add("level", "error", "failure | failures | console errors | js errors | javascript errors")
_add("level", "warn", "warning | warnings | warn | console warnings")

_COUNTRIES = {
    "United States": "united states | usa | us | u.s. | america | american | americans",
    "United Kingdom": "united kingdom | uk | britain | great britain | british | england",
    "Germany": "germany | german | germans",
    "France": "france | french",
    "Spain": "spain | spanish",
    "Italy": "italy | italian | italians",
    "Netherlands": "netherlands | the netherlands | holland | dutch",
    "Belgium": "belgium | belgian | belgians",
    "Switzerland": "switzerland | swiss",
    "Austria": "austria | austrian | austrians",
    "Portugal": "portugal | portuguese",
    "Ireland": "ireland | irish",
    "Sweden": "sweden | swedish",
    "Norway": "norway | norwegian | norwegians",
    "Denmark": "denmark | danish",
    "Finland": "finland | finnish",
    "Poland": "poland | polish",
    "Czechia": "czechia | czech republic | czech",
    "Hungary": "hungary | hungarian | hungarians",
    "Romania": "romania | romanian | romanians",
    "Greece": "greece | greek",
    "Ukraine": "ukraine | ukrainian | ukrainians",
    "Russia": "russia | russian | russians",
    "Turkey": "türkiye | turkish",
    "Israel": "israel | israeli | israelis",
    "Canada": "canada | canadian | canadians",
    "Mexico": "mexico | mexican | mexicans",
    "Brazil": "brazil | brazilian | brazilians",
    "Argentina": "argentina | argentinian | argentine",
    "Chile": "chile | chilean | chileans",
    "Colombia": "colombia | colombian | colombians",
    "Peru": "peru | peruvian | peruvians",
    "India": "india | indian | indians",
    "Pakistan": "pakistan | pakistani | pakistanis",
    "China": "china | chinese",
    "Japan": "japan | japanese",
    "South Korea": "south korea | korea | korean | koreans",
    "Singapore": "singapore | singaporean | singaporeans",
    "Indonesia": "indonesia | indonesian | indonesians",
    "Philippines": "philippines | the philippines | filipino | filipinos",
    "Vietnam": "vietnam | vietnamese",
    "Thailand": "thailand | thai",
    "Malaysia": "malaysia | malaysian | malaysians",
    "Australia": "australia | australian | australians | aussie",
    "New Zealand": "new zealand | kiwis",
    "South Africa": "south africa | south african | south africans",
    "Nigeria": "nigeria | nigerian | nigerians",
    "Kenya": "kenya | kenyan | kenyans",
    "Egypt": "egypt | egyptian | egyptians",
    "United Arab Emirates": "united arab emirates | uae | emirati",
    "Saudi Arabia": "saudi arabia | saudi",
}
for _name, _phrases in _COUNTRIES.items():
    _add("country", _name, _phrases)
_CITIES = (
    "London | Paris | Berlin | Munich | Hamburg | Madrid | Barcelona | Rome | Milan | Amsterdam | "
    "Dublin | Lisbon | Vienna | Zurich | Stockholm | Copenhagen | Oslo | Helsinki | Warsaw | "
    "Prague | Tokyo | Seoul | Beijing | Shanghai | Singapore | Sydney | Melbourne | Toronto | "
    "Vancouver | Montreal | New York | San Francisco | Los Angeles | Chicago | Seattle | Austin | "
    "Boston | Mumbai | Bangalore | Delhi | Dubai | Sao Paulo | Mexico City | Lagos | Nairobi"
)
for _city in _CITIES.split("|"):
    _city = " ".join(_city.split())
    if _city.lower() not in MENTIONS:  # a country of the same name wins (Singapore)
        _add("city", _city, _city.lower())
_add("continent", "Europe", "europe | european | europeans | eu")
_add("continent", "Asia", "asia | asian")
_add("continent", "Africa", "africa | african")
_add("continent", "North America", "north america | north american | north americans")
_add("continent", "South America", "south america | latin america | south american")
_add("continent", "Oceania", "oceania")

for _channel in BUILTIN_CHANNEL_TYPES:
    _add("channel", _channel, _channel.lower())
_add("channel", "Paid Search", "google ads | adwords | ppc | search ads | bing ads")
_add("channel", "Organic Search", "seo | search engines | search engine | organic google")
_add("channel", "Paid Social", "facebook ads | instagram ads | meta ads | linkedin ads")
_add("channel", "Paid Social", "tiktok ads | twitter ads | social ads")
_add("channel", "Organic Social", "social media | social")
_add("channel", "Direct", "direct traffic | typed the url")

#: Words that negate the mention (or URL) that follows them.
NEGATIONS = (
    "not | never | without | except | excluding | exclude | other than | apart from | outside "
    "| outside of | isn't | aren't | didn't | don't | doesn't | wasn't | weren't | did not | "
    "do not | does not | was not | were not | no | besides | but not | everyone but | all but "
    "| anything but | everything but | traffic but | non"
)
#: Words after which a negation stops applying.
CLAUSE_BREAKS = frozenset(split("and but who whose which that with since during while , ; ."))

#: Words that show a chat is about recordings even when nothing else is recognised.
VAGUE_WORDS = frozenset(
    split("""recording recordings replay replays session sessions user users people visit visits
    visited visiting visitor visitors customer customers person persons""")
)
#: Words that show a chat is about filtering recordings (with ``VAGUE_WORDS``).
TOPIC_WORDS = VAGUE_WORDS | frozenset(
    split("""traffic browser browsers device devices page pages url urls pageview pageviews bounce
    bounced duration filter filters show find""")
)
#: First words of a question or instruction: with no topic word it is off-topic.
QUESTION_WORDS = frozenset(
    split("""how what what's whats who who's why when where which is are can could would should
    do does did tell write translate summarize summarise explain calculate give""")
)

#: Small number words ("one pageview", "an hour").
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twenty": 20, "thirty": 30,
}  # fmt: skip
MONTHS = {
    name: index
    for index, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        ),
        start=1,
    )
    for name in names.split()
}
WEEKDAYS = {
    name: index
    for index, names in enumerate(
        (
            "monday mon",
            "tuesday tue tues",
            "wednesday wed",
            "thursday thu thurs",
            "friday fri",
            "saturday sat",
            "sunday sun",
        )
    )
    for name in names.split()
}
#: Words typo correction may map onto (with every mention phrase's words).
VOCABULARY = (
    TOPIC_WORDS
    | set(MONTHS)
    | set(WEEKDAYS)
    | set(
        split("""day days week weeks month months hour hours minute minutes second seconds year
        years fortnight weekend yesterday today last past previous since ago longer shorter
        between error errors pageview pageviews bounce bounced landed entry exit""")
    )
)
#: Ordinary words never "corrected" into vocabulary.
KEEP = frozenset(split("window mobil parts party"))
