"""The vocabulary of the ``ai/regex`` grammar: phrases people use and the pieces of pattern
they stand for.

``regex_rules`` first rewrites every phrase below into one symbol (longest phrase first,
whole words, case-insensitive, after typo correction), then parses the symbols. Keeping the
words here and the grammar there means a new way of saying something is one table row.
"""

from __future__ import annotations

from phemu_ai_rules.words import split

#: PostHog's own patterns for the documented rows (``docs/ai.md``).
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"
UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
EMAIL_LOCAL = r"[^@\s]+@"

#: Patterns of the named formats (symbol ``FORMAT``).
FORMATS = {
    "date": r"\d{4}-\d{2}-\d{2}",
    "time": r"\d{1,2}:\d{2}",
    "ip": r"\b(?:\d{1,3}\.){3}\d{1,3}\b",
    "version": r"\d+\.\d+\.\d+",
    "hex": r"#(?:[0-9a-fA-F]{3}){1,2}\b",
    "phone": r"\+?\(?\d[\d\s().-]{5,}\d",
    "zip": r"\b\d{5}(?:-\d{4})?\b",
    "year": r"\b(?:19|20)\d{2}\b",
    "decimal": r"\d+\.\d+",
    "slug": r"[\w-]+",
    "port": r":\d+",
    "localhost": "localhost",
    "fragment": "#",
    "utm": r"[?&]utm_[a-z]+=",
}
#: The home page of any site: scheme and host optional, then at most ``/`` and a query.
HOMEPAGE = r"^(?:https?://[^/?#]+)?/?(?:[?#].*)?$"
#: What may follow a page's path when only that page is wanted (no sub-pages).
PAGE_END = r"/?(?:[?#].*)?$"
#: What ends a file extension in a URL: the end, or the start of a query or fragment.
EXTENSION_END = r"(?:[?#]|$)"
#: What ends a query-string value.
VALUE_END = r"(?:[&#]|$)"
#: Character classes by name; ``union`` joins them inside one ``[...]``.
CLASSES = {
    "digit": ("0-9", r"\d", r"\D"),
    "letter": ("A-Za-z", "[A-Za-z]", "[^A-Za-z]"),
    "lower": ("a-z", "[a-z]", "[^a-z]"),
    "upper": ("A-Z", "[A-Z]", "[^A-Z]"),
    "alnum": ("A-Za-z0-9", "[A-Za-z0-9]", "[^A-Za-z0-9]"),
    "space": (r"\s", r"\s", r"\S"),
}
#: File-extension families (``images`` means these extensions).
EXTENSION_GROUPS = {
    "image": ("png", "jpe?g", "gif", "svg", "webp"),
    "video": ("mp4", "webm", "mov"),
    "spreadsheet": ("xlsx?", "csv"),
    "excel": ("xlsx?",),
    "word": ("docx?",),
    "font": ("woff2?", "ttf", "otf"),
    "archive": ("zip", r"tar\.gz", "gz", "rar", "7z"),
    "javascript": ("js",),
    "stylesheet": ("css",),
}
#: Extensions recognised as bare words ("zip archives", "png or svg assets").
EXTENSIONS = frozenset(
    split(
        "pdf png jpg jpeg gif svg webp csv xlsx xls docx doc zip mp4 webm mov mp3 wav css js "
        "json xml txt html htm woff woff2 ttf otf ico exe dmg apk md"
    )
)
#: Free mail providers: "gmail addresses" are addresses at gmail.<tld>.
PROVIDERS = frozenset(split("gmail googlemail yahoo hotmail outlook icloud aol protonmail gmx"))
#: Punctuation people name in words.
PUNCTUATION = {
    "question mark": "?",
    "slash": "/",
    "forward slash": "/",
    "backslash": "\\",
    "dot": ".",
    "period": ".",
    "full stop": ".",
    "comma": ",",
    "hyphen": "-",
    "dash": "-",
    "underscore": "_",
    "at sign": "@",
    "at symbol": "@",
    "hash sign": "#",
    "pound sign": "#",
    "colon": ":",
    "exclamation mark": "!",
    "dollar sign": "$",
    "ampersand": "&",
}


#: phrase -> (symbol, argument). Symbols are the grammar's terminals (see ``regex_rules``).
PHRASES: dict[str, tuple[str, str]] = {}


def _add(symbol: str, phrases: str, arg: str = "") -> None:
    """Register ``"one phrase | another phrase"`` under ``symbol``."""
    for phrase in phrases.split("|"):
        PHRASES[" ".join(phrase.split())] = (symbol, arg)


_add(
    "NEG",
    "not | never | without | except | excluding | exclude | excludes | other than | apart "
    "from | besides | neither | nor | anything but | everything but | all but | but not | "
    "don't | dont | doesn't | doesnt | isn't | isnt | aren't | arent | didn't | didnt | "
    "shouldn't | mustn't | won't | do not | does not | is not | are not | must not | should "
    "not | except for | minus | excepting",
)
_add("NO", "no")
_add("BUT", "but")
_add(
    "START",
    "start with | starts with | starting with | begin with | begins with | beginning with | "
    "start | starts | starting | begin | begins | beginning | prefix | prefixed with | with "
    "the prefix | at the start | at the beginning | at the start of | at the beginning of",
)
_add(
    "END",
    "end with | ends with | ending with | ending in | end in | ends in | end | ends | ending "
    "| suffix | with the suffix | suffixed with | at the end | at the end of | finish with | "
    "finishes with | finishing with",
)
_add(
    "FULL",
    "exactly | exact | exact match | an exact match | equal | equals | equal to | is equal to "
    "| whole | entire | full match | the whole string | nothing else | and nothing else | "
    "precisely | full | in full | entirely",
)
_add("ONLY", "only | just | solely")
_add(
    "PAGE_END",
    "not its subpages | not subpages | no subpages | without subpages | not the subpages | "
    "not sub pages | not its sub pages | nothing under it | and nothing under it | nothing "
    "below it | not its children | no children | not anything under it | not pages under it | "
    "without its subpages",
)
_add(
    "ICASE",
    "case-insensitive | case insensitive | case-insensitively | case insensitively | ignore "
    "case | ignoring case | ignore the case | any case | regardless of case | no matter the "
    "case | any capitalization | any capitalisation | upper or lower case | upper or "
    "lowercase | uppercase or lowercase | lower or upper case | case doesn't matter | case "
    "does not matter | either case | not case sensitive | not case-sensitive | case "
    "insensitive match | in any case | whatever the case | regardless of capitalization | "
    "mixed case",
)
_add(
    "LIKE",
    "like | e.g. | eg | such as | for example | for instance | look like | looks like | look "
    "something like | similar to | i.e. | ie | in the form",
)
_add(
    "SAME",
    "same page | the same page | same pages | are the same | is the same | same thing | same "
    "template | same route",
)
_add("FOLLOWED", "followed by | plus | then | and then | immediately followed by")
_add("BOTH", "both | as well as | and also")
_add("OR", "or | either | one of")
_add("AND", "and")
_add("ANYWHERE", "anywhere | somewhere | anywhere in it")
_add(
    "INTRO",
    "contain | contains | containing | contained | include | includes | including | has | "
    "have | having | match | matches | matching | mention | mentions | mentioning | the word "
    "| the words | the string | the text | the phrase | the term | the value | called | named "
    "| word | term | keyword",
)
_add(
    "PAGE",
    "page | pages | post | posts | article | articles | screen | screens | section | sections "
    "| area | areas | url | urls | link | links | route | routes | view | views | flow | "
    "flows | result | results | listing | listings | path | paths | part of the site | site "
    "section | webpage | webpages | detail | details | detail page | details page | detail "
    "pages | details pages",
)
_add(
    "HOMEPAGE",
    "homepage | home page | home-page | front page | root page | index page | site root | "
    "root url | landing page of the site",
)
_add(
    "EMAIL",
    "email | emails | e-mail | e-mails | email address | email addresses | mail address | "
    "mail addresses | address | addresses | mail | e-mail address",
)
_add("UUID", "uuid | uuids | guid | guids | uuid4 | uuid v4 | v4 uuid")
_add(
    "DIGITS",
    "number | numbers | digits | numeric id | numeric ids | numerical id | numeric | "
    "numerical | integer | integers | whole number | whole numbers | id number | number id | "
    "numeric value | numeric string",
)
_add("DIGIT", "digit | a digit | one digit | single digit")
_add("ID", "id | ids | identifier | identifiers | short id")
_add("SLUG", "slug | slugs")
_add("LETTERS", "letters | alphabetic | alphabetical | alpha characters | alpha")
_add("LETTER", "letter | a letter | one letter")
_add(
    "UPPER_ONE",
    "capital letter | a capital letter | uppercase letter | an uppercase letter | upper case "
    "letter",
)
_add("LOWER_ONE", "lowercase letter | a lowercase letter | lower case letter")
_add("LOWER", "lowercase | lower case | lower-case | lowercase letters | small letters")
_add(
    "UPPER",
    "uppercase | upper case | upper-case | uppercase letters | capital letters | capitals | "
    "all caps | caps | capitalised | capitalized",
)
_add(
    "ALNUM",
    "alphanumeric | alpha-numeric | alphanumerical | letters and numbers | letters and digits "
    "| numbers and letters | alphanumeric characters",
)
_add("SPACE", "space | spaces | whitespace | white space | a space")
_add("CHARS", "characters | character | chars | char | characters long | chars long")
_add("ATLEAST", "at least | minimum | min | a minimum of | no less than | or more")
_add("ATMOST", "at most | maximum | max | a maximum of | no more than | up to")
_add("MORE", "more than | over | longer than | greater than")
_add("LESS", "less than | fewer than | under | shorter than")
_add("BETWEEN", "between")
_add("FORMAT", "date | dates | iso date | iso dates", "date")
_add("FORMAT", "time | times | timestamp", "time")
_add("FORMAT", "ip | ip address | ip addresses | ips | ipv4 | ipv4 address", "ip")
_add(
    "FORMAT",
    "version number | version numbers | semver | semantic version | versions | version",
    "version",
)
_add(
    "FORMAT",
    "hex color | hex colors | hex colour | hex colours | hex code | hex codes | color code | "
    "colour code | color codes | colour codes",
    "hex",
)
_add(
    "FORMAT",
    "phone number | phone numbers | telephone number | telephone numbers | phone | phones | "
    "mobile number | mobile numbers",
    "phone",
)
_add(
    "FORMAT",
    "zip code | zip codes | zipcode | zipcodes | postal code | postal codes",
    "zip",
)
_add("FORMAT", "year | years", "year")
_add("FORMAT", "decimal | decimals | decimal number | decimal numbers | float", "decimal")
_add("FORMAT", "port | port number | ports | port numbers", "port")
_add("FORMAT", "localhost | local host", "localhost")
_add("FORMAT", "hash fragment | fragment | fragments | anchor link | hash part", "fragment")
_add(
    "FORMAT",
    "utm parameters | utm params | utm parameter | utm param | utm tags | utm codes | utms | "
    "utm tracking",
    "utm",
)
_add(
    "QUERY",
    "query string | query strings | querystring | query parameters | query parameter | query "
    "params | query param | search params | search parameters | query | url parameters | url "
    "params | get parameters",
)
_add("PARAM", "param | params | parameter | parameters | argument | arg")
_add("TRAILING_SLASH", "trailing slash | a trailing slash | slash at the end")
_add("SUBDOMAIN", "subdomain | subdomains | sub-domain | sub-domains | sub domain | sub domains")
_add(
    "DOMAIN",
    "domain | domains | host | hosts | hostname | hostnames | website | site | websites | sites",
)
_add(
    "ITS",
    "and its | including its | or its | or any | including | plus its | and any | and all its "
    "| with its | with or without",
)
_add(
    "SCHEME",
    "https urls | https links | https pages | secure urls | https addresses | https url",
    "https",
)
_add("SCHEME", "http urls | http links | http pages | insecure urls | http url", "http")
_add(
    "FILE",
    "file | files | download | downloads | document | documents | docs file | icon | icons | "
    "attachment | attachments | extension | extensions | asset | assets | image | images | "
    "picture | pictures | photo | photos | video | videos | font | fonts | spreadsheet | "
    "spreadsheets | archive | archives | stylesheet | stylesheets | script | scripts",
)

for _name, _words in {
    "image": ("image", "images", "picture", "pictures", "photo", "photos", "image files"),
    "video": ("video", "videos", "movie", "movies", "video files"),
    "spreadsheet": ("spreadsheet", "spreadsheets"),
    "excel": ("excel", "excel files", "excel file", "excel spreadsheets"),
    "word": ("word documents", "word document", "word files", "word docs", "word file"),
    "font": ("font", "fonts", "font files", "webfonts"),
    "archive": ("archive", "archives", "compressed files"),
    "javascript": ("javascript files", "javascript file", "js files", "scripts"),
    "stylesheet": ("stylesheet", "stylesheets", "css files"),
}.items():
    _add("EXTGROUP", " | ".join(_words), _name)
for _phrase, _char in PUNCTUATION.items():
    _add("PUNCT", f"{_phrase} | a {_phrase}", _char)

#: Words that never name anything on their own.
STOPWORDS = frozenset(
    split("""a an the any all every each some this that these those my our your their its it them
    they of in on at to for from by as is are was were be been being am which who whose whom
    where what when how why i we me please can could would should will shall may might must
    want wants need needs give make write find get show catch filter hey hi hello so with
    basically really actually just also too very there here let lets let's regex regexp
    regular expression expressions pattern patterns rule one something someone anything
    everything nothing value values string strings text texts thing things kind sort type
    type of field property properties name names new old main individual specific certain
    different other various etc only do does did done using use used go goes went
    someone lands land visit visits visited visiting user users people person customer
    customers recording recordings session sessions replay replays track tracking look
    looking see seen ok okay thanks thank_you else own within into onto inside over under
    up down out about after before across per via vs then than same such many more most
    much few several lot lots way ways sure mean means meaning it's they're we're i'm
    """)
)
#: Words that start an off-topic request when no matching vocabulary follows.
QUESTION_WORDS = frozenset(
    split("""how what what's whats who who's why when where which is are can could would should
    do does did tell write translate summarize summarise explain calculate compute give
    ignore print list describe define""")
)
#: Nouns that show a request is about matching text even without other vocabulary.
TOPIC_NOUNS = frozenset(
    split("""regex regexp regular expression pattern patterns url urls path paths string strings
    text value values link links match matches matching page pages domain subdomain email
    emails query parameter param""")
)
