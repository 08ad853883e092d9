"""The default ``ai/regex`` responder: a plain-language description to one pattern (``docs/ai.md``).

A small grammar, not a list of sentences:

1. **lexing**: quoted strings, then tokens holding one of ``/ . @ = # + * : _``, are literals;
   the rest are words (typo-corrected against the lexicon), numbers and punctuation;
2. **phrases**: each phrase of ``regex_lexicon.PHRASES`` becomes one symbol, longest first;
3. **parsing**: one pass collects *items* (a literal, a page, extensions, a query parameter, a
   format, a character class...) under the modifiers in force where they appear: negation,
   start/end anchors, examples ("like /p/123"), "followed by", "or" lists;
4. **composing**: items that describe one thing are merged: a page and its id, an email and its
   domain, a subdomain and its domain, examples generalised (digits, UUIDs) and aligned;
5. **rendering**: alternatives of one URL part are joined with ``|``, different parts in URL
   order (host, path, file, query, fragment) with ``.*``; anchors, exclusions and
   case-insensitivity are added last. Exclusions need lookahead, which RE2 lacks, so RE2 gets
   PostHog's refusal for them unless a complement exists (``no digits`` is ``^\\D*$``).

The documented rows (``docs/ai.md``) keep their outputs; where those rows are silent the
grammar answers rather than refuses, as PostHog's prompt asks (``ai_regex_prompts.py``: refuse
only off-topic input). Every ``success`` compiles with Python's ``re`` (and google-re2 for the
``re2`` engine, which never gets lookaround or backreferences).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from phemu.extend import Msg
from phemu_ai_rules import regex_lexicon as lx
from phemu_ai_rules.words import QUOTES
from phemu_ai_rules.words import Corrector
from phemu_ai_rules.words import strip_trailing

# Kept importable under their historical names.
EMAIL_PATTERN = lx.EMAIL_PATTERN
UUID_PATTERN = lx.UUID_PATTERN

_SPECIAL = frozenset("\\.^$*+?()[]{}|")
HOST, PATH, FILE, QUERY, FRAGMENT = range(5)

_QUOTED = re.compile(
    r"""(?:(?<=^)|(?<=[\s(\[{:,=]))'([^']+)'(?=$|[\s.,;:!?)\]}])"""
    r'|"([^"]+)"'
    r"|`([^`]+)`"
)
_TOKEN = re.compile(r"\S+")
_ABBREVIATION = re.compile(r"(?<![\w.])(e\.g|i\.e)\.?(?=[\s,:;]|$)", re.IGNORECASE)
ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs", "eg", "ie"})
LITERAL_CHARS = frozenset("/.@=#+*:_")
_UNIT = re.compile(
    r"(?P<num>\d+)(?![A-Za-z0-9])"
    r"|(?P<word>[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)?(?:-[A-Za-z0-9]+)*)"
    r"|(?P<punct>[,;()!?]|\.(?=\s|$))"
)
_UUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_RUN = re.compile(_UUID_RE.pattern + r"|[A-Za-z0-9]+")
_FORMAT_TOKEN = re.compile(r"(?:y{2,4}|m{1,2}|d{1,2})(?:[-/.](?:y{2,4}|m{1,2}|d{1,2}))+", re.I)
_DOMAIN = re.compile(r"(?:\*\.)?[\w-]+(?:\.[\w-]+)*\.[A-Za-z][\w-]*(?::\d+)?(?:/\S*)?")

CORRECTOR = Corrector(
    [w for phrase in lx.PHRASES for w in phrase.split()] + [*lx.EXTENSIONS, *lx.PROVIDERS],
    keep=lx.STOPWORDS,
)
_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
for _phrase, (_symbol, _arg) in lx.PHRASES.items():
    _split = tuple(_phrase.split())
    _BY_FIRST.setdefault(_split[0], []).append((_split, _symbol, _arg))
for _options in _BY_FIRST.values():
    _options.sort(key=lambda option: -len(option[0]))

#: Symbols that carry no sign that the text is about matching (for the off-topic check).
NOT_TOPICAL = frozenset(
    {"AND", "OR", "BUT", "NO", "ONLY", "BETWEEN", "MORE", "LESS", "ATLEAST", "ATMOST"}
    | {"FOLLOWED", "LIKE", "BOTH", "ITS", "START", "END", "FULL", "ANYWHERE", "DOMAIN"}
)
#: Symbols that name something a negation can apply to (``no digits``, ``no subdomains``).
NEGATABLE = frozenset(
    {"DIGITS", "DIGIT", "SPACE", "QUERY", "PARAM", "TRAILING_SLASH", "SUBDOMAIN", "LETTERS"}
    | {"LETTER", "UPPER", "LOWER", "ALNUM", "PUNCT", "FORMAT", "UUID", "EMAIL", "PAGE_END"}
)
CLASS_SYMBOLS = {
    "DIGITS": ("digit", True),
    "DIGIT": ("digit", False),
    "LETTERS": ("letter", True),
    "LETTER": ("letter", False),
    "LOWER": ("lower", True),
    "UPPER": ("upper", True),
    "UPPER_ONE": ("upper", False),
    "LOWER_ONE": ("lower", False),
    "ALNUM": ("alnum", True),
    "SPACE": ("space", False),
}
#: Symbols that take the words just before them as their own: the page, parameter,
#: subdomain or file they name, or a description of an id or format ("order id").
CLAIMING = frozenset(
    {"PAGE", "PARAM", "SUBDOMAIN", "FILE", "ID", "UUID", "SLUG", "DIGITS", "FORMAT", "EMAIL"}
    | {"EXTGROUP", "DATEFORMAT"}
)
#: The largest count RE2 accepts in ``{n}``; larger numbers are not read as counts.
MAX_REPEAT = 1000
#: Words between a page noun and the words naming it ("pages in the docs").
PAGE_PREPOSITIONS = frozenset({"in", "under", "on", "of", "within", "inside", "the", "our", "my"})
#: Classes that describe a whole value unless "contains" says otherwise ("only letters").
WHOLE_BY_DEFAULT = frozenset({"letter", "lower", "upper", "alnum"})


def escape(text: str) -> str:
    """PostHog's escaping: a backslash before regex metacharacters; ``/`` and ``-`` stay."""
    return "".join("\\" + c if c in _SPECIAL else c for c in text)


def success(pattern: str) -> dict[str, Any]:
    return {"result": "success", "data": {"output": pattern}}


def refusal() -> dict[str, Any]:
    return {"result": "error", "data": {"output": Msg.REGEX_REFUSAL}}


# -- lexing ----------------------------------------------------------------------------------
@dataclass
class Unit:
    kind: str  # "lit", "word", "num", "sym", "punct"
    text: str  # the literal, the word(s) as written (lowercased), the number, the mark
    sym: str = ""
    arg: str = ""
    quoted: bool = False
    orig: str = ""  # words: as written (bare literals keep the user's case)


def _token_literal(token: str) -> str:
    """The literal a whitespace token stands for, or ``""`` if it is an ordinary word."""
    core = token.lstrip("([{" + QUOTES).rstrip(QUOTES + "]}")
    stripped = strip_trailing(core)
    # "www." names the prefix, dot included; elsewhere a final dot ends the sentence.
    core = core[:4] if stripped.lower() == "www" and core[3:4] == "." else stripped
    if core.lower() in ABBREVIATIONS or not any(c in LITERAL_CHARS for c in core):
        return ""
    if not any(c.isalnum() for c in core) and core not in ("/", "//"):
        return ""
    return core


def _words(text: str) -> str:
    """Lower-cased word with possessive ``'s`` dropped and curly apostrophes straightened."""
    word = text.lower().replace("\u2019", "'")
    return word[:-2] if word.endswith("'s") else word


def lex(text: str) -> list[Unit]:
    """Literals, words, numbers and punctuation in order, phrases already folded to symbols."""
    text = _ABBREVIATION.sub(lambda m: m.group(1).replace(".", ""), text)
    quoted = [m for m in _QUOTED.finditer(text) if any(m.groups())]
    spans: list[tuple[int, int, Unit]] = []
    if quoted:
        for m in quoted:
            value = next(g for g in m.groups() if g)
            spans.append((m.start(), m.end(), Unit("lit", value, quoted=True)))
    else:
        for m in _TOKEN.finditer(text):
            literal = _token_literal(m.group())
            if literal:
                spans.append((m.start(), m.end(), Unit("lit", literal)))
    units: list[Unit] = []
    position = 0
    for start, end, unit in [*spans, (len(text), len(text), Unit("end", ""))]:
        for m in _UNIT.finditer(text, position, start):
            if m.group("num"):
                units.append(Unit("num", m.group("num")))
            elif m.group("word"):
                word = _words(m.group("word"))
                if _FORMAT_TOKEN.fullmatch(word):
                    units.append(Unit("sym", word, "DATEFORMAT", word))
                else:
                    text_ = CORRECTOR.correct(word) if word.isalpha() else word
                    units.append(Unit("word", text_, orig=m.group("word")))
            else:
                units.append(Unit("punct", m.group("punct")))
        if unit.kind != "end":
            if not quoted and _FORMAT_TOKEN.fullmatch(unit.text):
                units.append(Unit("sym", unit.text.lower(), "DATEFORMAT", unit.text.lower()))
            else:
                units.append(unit)
        position = end
    return _fold_phrases(units)


def _fold_phrases(units: list[Unit]) -> list[Unit]:
    out: list[Unit] = []
    index = 0
    while index < len(units):
        unit = units[index]
        if unit.kind == "word":
            for words, symbol, arg in _BY_FIRST.get(unit.text, ()):
                window = units[index : index + len(words)]
                if len(window) == len(words) and all(
                    u.kind == "word" and u.text == w for u, w in zip(window, words, strict=True)
                ):
                    out.append(Unit("sym", " ".join(words), symbol, arg))
                    index += len(words)
                    break
            else:
                out.append(unit)
                index += 1
            continue
        out.append(unit)
        index += 1
    return out


# -- items -----------------------------------------------------------------------------------
@dataclass
class Item:
    body: str  # a regex fragment
    kind: str  # literal, bare, page, ext, extgroup, param, class, format, id, whole, host...
    slot: int = PATH
    raw: str = ""  # the literal or words as written
    negated: bool = False
    anchor: str = ""  # "start" / "end" (explicitly asked for)
    linked: bool = False  # joined to the previous item by "or" or a comma
    example: bool = False  # given as an example ("like /p/123")
    follows: bool = False  # "followed by": glued to the previous item
    pageish: bool = False  # a literal named as a page ("the /pricing page")
    quoted: bool = False
    complement: str = ""  # the RE2-safe whole pattern for "no <this>", when one exists
    neg_body: str = ""  # what a negation excludes when it differs from the body
    cls: str = ""  # class items: the class name
    plural: bool = True  # class items: one or more (else exactly one)
    contains: bool = False  # class items: "has a tab or space" (not the whole value)
    words: tuple[str, ...] = ()  # page items: the words naming the page


@dataclass
class Spec:
    items: list[Item] = field(default_factory=list)
    full: bool = False
    page_end: bool = False
    ignore_case: bool = False
    both: bool = False
    topical: bool = False
    providers: list[str] = field(default_factory=list)


def classify(raw: str) -> tuple[int, str]:
    """The URL part a literal belongs to and its kind."""
    lower = raw.lower()
    if lower.startswith(("http://", "https://", "//")):
        return HOST, "url"
    if raw.startswith("/"):
        return PATH, "path"
    if "@" in raw:
        return PATH, "email"
    if "=" in raw:
        return QUERY, "param"
    if raw.startswith("#"):
        return FRAGMENT, "fragment"
    if re.fullmatch(r"\.[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*", raw):
        return FILE, "suffix"
    if _DOMAIN.fullmatch(raw):
        return HOST, "domain"
    return PATH, "text"


_PIECE = re.compile(
    r"(?P<slot><[^<>/]+>|\{[^{}/]+\}|(?<=/):[A-Za-z_]\w*)"
    r"|(?P<glob>\*\*?)"
    r"|(?P<uuid>" + _UUID_RE.pattern + r")"
    r"|(?P<run>[A-Za-z0-9]+)"
    r"|(?P<other>.)",
    re.DOTALL,
)


def literal_body(raw: str, quoted: bool = False) -> str:
    """A literal as a pattern: escaped, with ``*`` globs and ``<id>``/``{id}``/``:id`` slots
    of unquoted literals turned into wildcards."""
    return escape(raw) if quoted else shape(raw, generalise=False, mixed=False)


def shape(raw: str, generalise: bool, mixed: bool) -> str:
    """``raw`` as a pattern. Slots (``<id>``, ``{id}``, ``:id``) match one path segment and
    globs any text; when ``generalise`` (the literal is an example, or stands next to
    ``number``/``id``), UUIDs and digit runs become patterns, and with ``mixed`` so do runs
    mixing letters and digits (``AbC12xYz``)."""
    out: list[str] = []
    for m in _PIECE.finditer(raw):
        if m.group("slot"):
            out.append(r"[^/?#]+")
        elif m.group("glob"):
            out.append(".*" if m.group("glob") == "**" else "[^/]*")
        elif generalise and m.group("uuid"):
            out.append(UUID_PATTERN)
        elif generalise and m.group("run") and m.group("run").isdigit():
            out.append(r"\d+")
        elif generalise and mixed and m.group("run") and _mixed_id(m.group("run")):
            out.append("[A-Za-z0-9]+")
        else:
            out.append(escape(m.group()))
    return "".join(out)


def param_body(name: str, value: str | None) -> str:
    """``[?&]name=value`` (the value, if any, is already a pattern)."""
    body = r"[?&]" + escape(name) + "="
    return body + value + lx.VALUE_END if value else body


def _mixed_id(run: str) -> bool:
    digits = sum(c.isdigit() for c in run)
    return len(run) >= 6 and digits >= 2 and len(run) - digits >= 2


def align(raws: list[str]) -> str | None:
    """One pattern for several examples of one URL shape (``/org/a/projects/1`` and
    ``/org/b/projects/7``): equal segments stay, digit segments become ``\\d+``, others any
    segment. ``None`` when the examples differ in shape."""
    parts = [raw.split("/") for raw in raws]
    if len({len(p) for p in parts}) != 1:
        return None
    out: list[str] = []
    for segments in zip(*parts, strict=True):
        if len(set(segments)) == 1:
            out.append(shape(segments[0], generalise=True, mixed=False))
        elif all(s.isdigit() for s in segments):
            out.append(r"\d+")
        else:
            out.append("[^/]+")
    return "/".join(out)


def singular(word: str) -> tuple[str, bool]:
    """``(stem, was_plural)``: ``products`` -> ``product``; ``settings`` -> ``setting``."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1], True
    return word, False


def page_item(words: list[str]) -> Item:
    """A page named by words: ``checkout`` -> ``/checkout``; ``order confirmation`` ->
    ``/order[-_]?confirmation``; a plural allows both forms (``/products?``)."""
    stem, plural = singular(words[-1])
    names = [*words[:-1], stem]
    body = "/" + r"[-_]?".join(escape(w) for w in names) + ("s?" if plural else "")
    return Item(body, "page", raw=" ".join(words), neg_body=" ".join(words), words=tuple(names))


# -- parsing ---------------------------------------------------------------------------------
class Parser:
    """One pass over the units, keeping the modifiers in force (see the module docstring)."""

    def __init__(self, units: list[Unit]) -> None:
        self.units = units
        self.spec = Spec()
        self.index = 0
        self.negated = False
        self.anchor = ""
        self.anchor_used = False
        self.example = False
        self.intro = False
        self.link = False
        self.follow = False
        self.its = False
        self.run: list[list[str]] = []  # pending words, split at "or"/","/"and"
        self.run_orig: list[list[str]] = []  # the same words as written
        self.run_context = False
        self.run_after_for = False
        self.run_after_page = False
        self.after_page = False
        self.loose: list[list[list[str]]] = []  # word runs nothing claimed
        self.after_for = False

    # state helpers
    def peek(self, offset: int = 1) -> Unit | None:
        position = self.index + offset
        return self.units[position] if position < len(self.units) else None

    def add(self, item: Item) -> Item:
        item.negated = item.negated or self.negated
        if self.anchor_used and not (self.link or item.linked):
            self.anchor = ""  # "starts with X" anchors X and the alternatives listed with it
        if self.anchor and not item.anchor:
            item.anchor = self.anchor
        self.anchor_used = bool(self.anchor)
        item.linked = item.linked or self.link
        item.example = item.example or self.example
        item.follows = item.follows or self.follow
        self.link = self.follow = self.intro = False
        self.spec.items.append(item)
        return item

    def end_clause(self) -> None:
        self.flush(None)
        self.negated = self.example = self.intro = self.follow = self.link = False
        self.anchor = ""

    def in_context(self) -> bool:
        return self.intro or self.negated or bool(self.anchor) or self.spec.full

    # word runs
    def push_word(self, word: str, orig: str = "") -> None:
        if not self.run:
            self.run = [[]]
            self.run_orig = [[]]
            self.run_context = self.in_context()
            self.run_after_for = self.after_for
            self.run_after_page = self.after_page
        if word in lx.PROVIDERS:
            self.spec.providers.append(word)
        self.run[-1].append(word)
        self.run_orig[-1].append(orig or word)

    def separate(self) -> bool:
        """A list separator inside a run; False when there is no run to continue."""
        if self.run and self.run[-1]:
            self.run.append([])
            self.run_orig.append([])
            return True
        return False

    def flush(self, terminator: Unit | None) -> list[list[str]]:
        """End the pending word run; it names pages, parameters, extensions or bare literals
        depending on what ends it and what introduced it."""
        segments = [s for s in self.run if s]
        originals = [s for s in self.run_orig if s]
        self.run, self.run_orig = [], []
        if not segments:
            return []
        words = [w for s in segments for w in s]
        if all(w in lx.EXTENSIONS for w in words):
            self.add(self._extensions(words))
            return []
        if terminator is not None and terminator.sym in CLAIMING:
            return segments
        if self.run_context or self.intro:
            for position, segment in enumerate(originals):
                text = " ".join(segment)
                self.add(Item(escape(text), "bare", raw=text, linked=position > 0))
            return []
        last = self.spec.items[-1] if self.spec.items else None
        if self.run_after_page:
            # "pages in the docs or the blog": the words after the page noun name it
            for position, segment in enumerate(segments):
                item = page_item(segment)
                item.linked = position > 0
                self.add(item)
            return []
        if self.run_after_for and len(segments) > 1 and last is not None and last.kind == "page":
            # "guide pages for mac, linux or windows": one section per listed word
            last.body += "/" + alternation([escape(" ".join(x)) for x in segments])
            return []
        self.loose.append(originals)
        return []

    def _extensions(self, names: list[str]) -> Item:
        body = r"\." + (names[0] if len(names) == 1 else "(?:" + "|".join(names) + ")")
        return Item(body, "ext", FILE, raw=" ".join(names))

    # the pass
    def parse(self) -> Spec:
        while self.index < len(self.units):
            unit = self.units[self.index]
            if unit.kind == "word" and unit.text not in lx.STOPWORDS:
                self.push_word(unit.text, unit.orig)
            elif unit.kind == "num":
                if not self.number(unit):
                    self.push_word(unit.text)
            elif unit.kind == "sym" and unit.sym in ("OR", "AND") and self.separate():
                if unit.sym == "OR":
                    self.link = True
            elif unit.kind == "punct" and unit.text == "," and self.separate():
                pass
            else:
                segments = self.flush(unit)
                self.step(unit, segments)
            self.index += 1
        self.flush(None)
        return self.spec

    def step(self, unit: Unit, segments: list[list[str]]) -> None:
        self.after_for = unit.kind == "word" and unit.text in ("for", "of")
        if unit.kind == "word":  # a stopword
            self.after_page = self.after_page and unit.text in PAGE_PREPOSITIONS
            return
        self.after_page = unit.sym == "PAGE" and not segments and not self.run
        if unit.kind == "punct":
            if unit.text in ".;!?":
                self.end_clause()
            elif unit.text == ",":
                self.link = bool(self.spec.items)
            return
        if unit.kind == "lit":
            self.literal(unit)
            return
        self.spec.topical = self.spec.topical or unit.sym not in NOT_TOPICAL
        if unit.sym in CLASS_SYMBOLS:
            self._class(unit)
            return
        handler = getattr(self, "sym_" + unit.sym.lower(), None)
        if handler is not None:
            handler(unit, segments)

    def literal(self, unit: Unit) -> None:
        slot, kind = classify(unit.text)
        nxt = self.peek()
        pageish = nxt is not None and nxt.kind == "sym" and nxt.sym == "PAGE"
        if kind == "param" and not unit.quoted:
            name, _, value = unit.text.lstrip("?&").partition("=")
            body = param_body(name, escape(value) if value else None)
            self.add(Item(body, "param", QUERY, raw=unit.text))
            return
        if kind == "suffix" and nxt is not None and nxt.sym == "FILE":
            self.add(Item(escape(unit.text), "ext", FILE, raw=unit.text))
            return
        body = literal_body(unit.text, unit.quoted)
        item = Item(body, "literal", slot, raw=unit.text, pageish=pageish, quoted=unit.quoted)
        item.neg_body = escape(unit.text)
        self.add(item)

    def number(self, unit: Unit) -> bool:
        """``6 digits``, ``4 digit codes``, ``at least 12 characters``... (True if used)."""
        nxt = self.peek()
        if nxt is None or nxt.kind != "sym" or int(unit.text) > MAX_REPEAT:
            return False
        if nxt.sym in ("DIGITS", "DIGIT"):
            self.flush(None)
            self.index += 1
            after = self.peek()
            if (
                after is not None
                and after.sym in ("DIGITS", "FORMAT", "ID")
                and (after.sym != "FORMAT" or after.arg == "year")
            ):
                self.index += 1
            self.add(Item(rf"\b\d{{{unit.text}}}\b", "count", raw=unit.text))
            return True
        if nxt.sym == "CHARS":
            self.flush(None)
            self.index += 1
            before = self.units[self.index - 2] if self.index >= 2 else None
            n = int(unit.text)
            quantifier = {
                "ATLEAST": f"{{{n},}}",
                "ATMOST": f"{{0,{n}}}",
                "MORE": f"{{{n + 1},}}",
                "LESS": f"{{0,{max(n - 1, 0)}}}",
            }.get(before.sym if before is not None else "", f"{{{n}}}")
            self.add(Item(f"^.{quantifier}$", "whole"))
            return True
        return nxt.sym == "AND" and self._range(unit)

    def _range(self, unit: Unit) -> bool:
        """``between 2 and 20 characters``."""
        before = self.units[self.index - 1] if self.index else None
        upper, chars = self.peek(2), self.peek(3)
        if before is None or before.sym != "BETWEEN" or upper is None or chars is None:
            return False
        if upper.kind != "num" or chars.sym != "CHARS" or int(upper.text) > MAX_REPEAT:
            return False
        self.flush(None)
        self.index += 3
        self.add(Item(f"^.{{{unit.text},{upper.text}}}$", "whole"))
        return True

    def after_words(self, *words: str) -> tuple[Unit | None, bool]:
        """The next unit that is not one of ``words``, and whether any was skipped."""
        offset = 1
        while (nxt := self.peek(offset)) is not None and nxt.kind == "word" and nxt.text in words:
            offset += 1
        return nxt, offset > 1

    # symbols: modifiers
    def sym_neg(self, unit: Unit, segments: list[list[str]]) -> None:
        self.negated = True

    def sym_no(self, unit: Unit, segments: list[list[str]]) -> None:
        nxt, _ = self.after_words("a", "an", "any", "the")
        if nxt is not None and nxt.kind == "sym" and nxt.sym in NEGATABLE:
            self.negated = True
        else:
            self.push_word("no")

    def sym_but(self, unit: Unit, segments: list[list[str]]) -> None:
        self.negated = False

    def sym_start(self, unit: Unit, segments: list[list[str]]) -> None:
        self.anchor, self.anchor_used = "start", False

    def sym_end(self, unit: Unit, segments: list[list[str]]) -> None:
        self.anchor, self.anchor_used = "end", False

    def sym_full(self, unit: Unit, segments: list[list[str]]) -> None:
        self.spec.full = True

    def sym_only(self, unit: Unit, segments: list[list[str]]) -> None:
        """``only``/``just`` anchor when they qualify what is matched (``only /login``,
        ``numbers only``), not when they qualify the speaker (``I just want``)."""
        nxt, skipped = self.after_words("the", "a", "an")
        if nxt is None or nxt.kind in ("lit", "sym", "punct", "num"):
            self.spec.full = True
        elif nxt.kind == "word" and nxt.text not in lx.STOPWORDS and skipped:
            self.spec.full = True

    def sym_page_end(self, unit: Unit, segments: list[list[str]]) -> None:
        self.spec.page_end = True

    def sym_icase(self, unit: Unit, segments: list[list[str]]) -> None:
        self.spec.ignore_case = True

    def sym_like(self, unit: Unit, segments: list[list[str]]) -> None:
        self.example = True

    def sym_followed(self, unit: Unit, segments: list[list[str]]) -> None:
        self.follow = bool(self.spec.items)

    def sym_both(self, unit: Unit, segments: list[list[str]]) -> None:
        self.spec.both = True

    def sym_or(self, unit: Unit, segments: list[list[str]]) -> None:
        if self.spec.items:
            self.link = True
        else:
            self.intro = True  # "either red or blue", "one of: ..."

    def sym_intro(self, unit: Unit, segments: list[list[str]]) -> None:
        self.intro = True

    def sym_its(self, unit: Unit, segments: list[list[str]]) -> None:
        self.its = True

    # symbols: things to match
    def sym_page(self, unit: Unit, segments: list[list[str]]) -> None:
        nxt = self.peek()
        if not segments and nxt is not None and nxt.sym == "PARAM":
            self.run = [[unit.text]]  # "the page param"
            self.run_context = False
            return
        for position, segment in enumerate(segments):
            item = page_item(segment)
            item.linked = position > 0
            self.add(item)

    def sym_homepage(self, unit: Unit, segments: list[list[str]]) -> None:
        self.add(Item(lx.HOMEPAGE, "whole", raw=unit.text))

    def sym_email(self, unit: Unit, segments: list[list[str]]) -> None:
        self.add(Item(EMAIL_PATTERN, "email", raw=unit.text))

    def sym_uuid(self, unit: Unit, segments: list[list[str]]) -> None:
        self.add(Item(UUID_PATTERN, "uuid", raw=unit.text))

    def sym_id(self, unit: Unit, segments: list[list[str]]) -> None:
        self.add(Item(r"\d+", "id", raw=unit.text))

    def sym_slug(self, unit: Unit, segments: list[list[str]]) -> None:
        self.add(Item(lx.FORMATS["slug"], "slug", raw=unit.text))

    def sym_format(self, unit: Unit, segments: list[list[str]]) -> None:
        slot = {"port": HOST, "localhost": HOST, "utm": QUERY, "fragment": FRAGMENT}
        item = Item(lx.FORMATS[unit.arg], "format", slot.get(unit.arg, PATH), raw=unit.arg)
        if unit.arg == "fragment":
            item.complement = "^[^#]*$"
        self.add(item)

    def sym_dateformat(self, unit: Unit, segments: list[list[str]]) -> None:
        body = re.sub(r"[ymdh]+", lambda m: rf"\d{{{len(m.group())}}}", unit.arg)
        body = body.replace(".", r"\.")
        self.add(Item(body, "format", raw=unit.arg))

    def sym_punct(self, unit: Unit, segments: list[list[str]]) -> None:
        char = escape(unit.arg)
        inner = "\\" + unit.arg if unit.arg in "\\]^-" else unit.arg
        self.add(Item(char, "literal", raw=unit.arg, complement=f"^[^{inner}]*$"))

    def sym_trailing_slash(self, unit: Unit, segments: list[list[str]]) -> None:
        self.add(Item("/", "literal", raw="/", anchor="end", complement="[^/]$"))

    def sym_scheme(self, unit: Unit, segments: list[list[str]]) -> None:
        self.add(Item(unit.arg + "://", "literal", HOST, raw=unit.arg, anchor="start"))

    def sym_extgroup(self, unit: Unit, segments: list[list[str]]) -> None:
        names = lx.EXTENSION_GROUPS[unit.arg]
        body = r"\." + (names[0] if len(names) == 1 else "(?:" + "|".join(names) + ")")
        self.add(Item(body, "extgroup", FILE, raw=unit.text))

    def sym_file(self, unit: Unit, segments: list[list[str]]) -> None:
        if segments:
            words = [w for s in segments for w in s]
            if words[-1] in lx.EXTENSIONS:
                self.add(self._extensions([w for w in words if w in lx.EXTENSIONS]))

    def _class(self, unit: Unit) -> None:
        name, plural = CLASS_SYMBOLS[unit.sym]
        pieces = lx.CLASSES[name]
        body = pieces[1] + ("+" if plural else "")
        item = Item(body, "class", raw=unit.text, cls=name, plural=plural)
        item.complement = "^" + pieces[2] + "*$"
        item.contains = self.intro or any(
            u.kind == "word" and u.text in ("with", "contains", "has")
            for u in self.units[max(0, self.index - 2) : self.index]
        )
        self.add(item)

    def sym_same(self, unit: Unit, segments: list[list[str]]) -> None:
        """``/users/123 and /users/456 are the same page``: the literals are examples."""
        for item in self.spec.items:
            if item.kind == "literal":
                item.example = True

    def sym_query(self, unit: Unit, segments: list[list[str]]) -> None:
        """``any query string``, ``query param 'session_id'``, ``query parameter id``."""
        nxt = self.peek()
        if nxt is not None and (
            nxt.kind == "lit"
            or (nxt.kind == "word" and nxt.text not in lx.STOPWORDS)
            or nxt.sym == "ID"
        ):
            self.index += 1
            self.param([nxt.text], unit)
            return
        if nxt is not None and nxt.sym == "PARAM":
            return
        self.add(Item(r"\?", "query", QUERY, raw=unit.text, complement=r"^[^?]*$"))

    def sym_param(self, unit: Unit, segments: list[list[str]]) -> None:
        """``the plan param is pro``, ``a utm_source parameter``, ``fbclid or gclid params``."""
        names = [" ".join(s) for s in segments]
        last = self.spec.items[-1] if self.spec.items else None
        before = self.units[self.index - 1] if self.index else None
        if not names and last is not None and before is not None and before.kind == "lit":
            self.spec.items.pop()
            names = [last.raw]
        if not names:
            nxt = self.peek()
            if nxt is not None and nxt.kind in ("lit", "word") and nxt.text not in lx.STOPWORDS:
                self.index += 1
                names = [nxt.text]
        if not names:
            self.add(Item(r"\?", "query", QUERY, raw=unit.text, complement=r"^[^?]*$"))
            return
        self.param(names, unit)

    def param(self, names: list[str], unit: Unit) -> None:
        value = self.param_value()
        for position, name in enumerate(names):
            item = Item(param_body(name, value), "param", QUERY, raw=name)
            item.linked = position > 0
            self.add(item)

    def param_value(self) -> str | None:
        """The value after a parameter name: ``is pro``, ``= 2``, ``equal to twitter``,
        ``is a number``, ``with digits``."""
        offset = 1
        while (nxt := self.peek(offset)) is not None and (
            (nxt.kind == "word" and nxt.text in ("is", "=", "set", "to", "with", "a", "of", "as"))
            or nxt.sym in ("FULL",)
        ):
            offset += 1
        if nxt is None or offset == 1:
            return None
        if nxt.sym in ("DIGITS", "DIGIT", "ID"):
            self.index += offset
            return r"\d+"
        if nxt.kind in ("lit", "num") or (nxt.kind == "word" and nxt.text not in lx.STOPWORDS):
            self.index += offset
            return escape(nxt.text)
        return None

    def sym_subdomain(self, unit: Unit, segments: list[list[str]]) -> None:
        """``any subdomain of x.com``, ``x.com and its subdomains``, ``the beta subdomain``,
        ``x.com without subdomains``."""
        name = segments[-1][-1] if segments else ""
        domain = ""
        last = self.spec.items[-1] if self.spec.items else None
        if last is not None and last.kind == "literal" and last.slot == HOST:
            self.spec.items.pop()
            domain = last.raw
        else:
            for offset in (1, 2, 3):
                nxt = self.peek(offset)
                if nxt is not None and nxt.kind == "lit" and classify(nxt.text)[0] == HOST:
                    domain = nxt.text
                    self.index += offset
                    break
                if nxt is None or nxt.kind == "sym":
                    break
        domain = re.sub(r"^\*\.", "", re.sub(r"^[a-z]+://", "", domain))
        negated, self.negated = self.negated, False
        if name:
            host = (
                escape(domain)
                if domain.startswith(name + ".")
                else (escape(name) + r"\." + escape(domain))
            )
            self.add(Item("(?:^|//)" + host, "host", HOST, raw=name))
        elif domain:
            labels = "" if negated else (r"(?:[\w-]+\.)*" if self.its else r"(?:[\w-]+\.)+")
            body = "(?:^|//)" + labels + escape(domain) + r"(?:[/:?#]|$)"
            self.add(Item(body, "host", HOST, raw=domain))
        self.its = False


# -- composing -------------------------------------------------------------------------------
def compose(spec: Spec) -> Spec:
    items = spec.items
    items = _glob_subdomains(items)
    items = _weak(items)
    items = _examples(items)
    items = _followed(items)
    items = _page_ids(items)
    items = _emails(items, spec.providers)
    items = _extensions(items)
    items = _classes(items, spec)
    if any(
        i.kind == "literal"
        and i.slot in (HOST, PATH)
        and i.raw.startswith(("/", "http"))
        and not i.negated
        for i in items
    ):
        items = [i for i in items if i.kind != "page" or i.negated]
    spec.items = _dedupe(items)
    return spec


def _glob_subdomains(items: list[Item]) -> list[Item]:
    out = []
    for item in items:
        if item.kind == "literal" and not item.quoted and item.raw.startswith("*."):
            body = r"(?:^|//)(?:[\w-]+\.)+" + escape(item.raw[2:]) + r"(?:[/:?#]|$)"
            item = Item(body, "host", HOST, raw=item.raw, negated=item.negated)
        out.append(item)
    return out


def _weak(items: list[Item]) -> list[Item]:
    """A bare ``id`` or ``query string`` gives way to anything more precise next to it
    (``ids that are 8 digits``, ``query string contains ref=x``)."""
    shapes = any(i.kind in ("class", "count", "format", "uuid", "slug") for i in items)
    params = any(i.kind == "param" and not i.negated for i in items)
    return [
        i
        for i in items
        if not (i.kind == "id" and shapes) and not (i.kind == "query" and params and not i.negated)
    ]


def _examples(items: list[Item]) -> list[Item]:
    """Reference rule 3 and examples: a literal with digits next to ``number``/``id``, or any
    literal given as an example, stands for its shape."""
    shapes = {"class", "id", "format", "count"}
    has_id = any(i.kind == "id" or (i.kind == "class" and i.cls == "digit") for i in items)
    has_id = has_id or any(
        i.kind == "format" and i.raw in ("version", "date", "time") for i in items
    )
    targets = [
        i
        for i in items
        if i.kind == "literal"
        and not i.quoted
        and not i.negated
        and (i.example or (has_id and any(c.isdigit() for c in i.raw)))
    ]
    if not targets:
        return items
    mixed = any(i.kind == "id" for i in items) or any(i.example for i in targets)
    for item in targets:
        item.body = shape(item.raw, generalise=True, mixed=mixed)
    if len(targets) > 1:
        aligned = align([t.raw for t in targets])
        if aligned is not None and len({t.body for t in targets}) > 1:
            targets[0].body = aligned
            items = [i for i in items if i not in targets[1:]]
    keep_pages = not any(i.example for i in targets)
    return [
        i
        for i in items
        if i in targets
        or i.negated
        or not (i.kind in shapes or (i.kind == "page" and not keep_pages))
        or (i.kind == "class" and i.cls != "digit")
    ]


def _followed(items: list[Item]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        if item.follows and out and not out[-1].negated:
            out[-1].body += item.body
            out[-1].kind = "literal" if out[-1].kind != "page" else "page"
            continue
        out.append(item)
    return out


def _page_ids(items: list[Item]) -> list[Item]:
    """``order pages with an id number``: ``/orders?/\\d+``."""
    pages = [i for i in items if i.kind == "page" and not i.negated]
    ids = [
        i
        for i in items
        if not i.negated
        and (i.kind in ("id", "uuid", "slug") or (i.kind == "class" and i.cls == "digit"))
    ]
    if len(pages) != 1 or not ids or any(i.kind == "literal" for i in items):
        return items
    page, ident = pages[0], ids[0]
    stem = r"[-_]?".join(escape(w) for w in page.words)
    page.body = f"/{stem}s?/{ident.body}"
    return [i for i in items if i is not ident]


def _emails(items: list[Item], provider_words: list[str]) -> list[Item]:
    """An email with a domain or provider: ``[^@\\s]+@acme\\.com$``."""
    emails = [i for i in items if i.kind == "email" and not i.negated]
    if not emails:
        return items
    others = [i for i in items if i.kind != "email"]
    domains = [
        i
        for i in others
        if i.kind == "literal" and i.slot == HOST and not i.negated and "/" not in i.raw
    ]
    suffixes = [
        i for i in others if i.kind == "literal" and i.raw.startswith(".") and not i.negated
    ]
    providers = [i for i in others if i.kind == "bare" and i.raw.lower() in lx.PROVIDERS]
    others = [i for i in others if i not in providers]
    if domains:
        body = lx.EMAIL_LOCAL + alternation([escape(d.raw.lstrip("@")) for d in domains]) + "$"
        return [i for i in others if i not in domains] + [Item(body, "emaildomain")]
    if suffixes:
        body = lx.EMAIL_LOCAL + r"[^@\s]*" + alternation([escape(s.raw) for s in suffixes]) + "$"
        return [i for i in others if i not in suffixes] + [Item(body, "emaildomain")]
    if provider_words:
        names = alternation(list(dict.fromkeys(provider_words)), group_one=False)
        body = lx.EMAIL_LOCAL + names + r"\.[^@\s]+"
        return [*others, Item(body, "emaildomain")]
    if any(i.kind in ("literal", "bare") and not i.negated for i in others):
        return others
    return [emails[0], *others]


def _extensions(items: list[Item]) -> list[Item]:
    exts = [i for i in items if i.kind == "ext" and not i.negated]
    groups = [i for i in items if i.kind == "extgroup"]
    explicit = exts or [i for i in items if i.kind == "literal" and i.slot == FILE]
    rest = [i for i in items if i not in exts and (not explicit or i not in groups)]
    names = []
    for item in exts:
        for name in item.raw.split():
            name = name.lstrip(".")
            if name not in names:
                names.append(name)
    if not names:
        return rest
    body = r"\." + alternation([escape(n) for n in names], group_one=False)
    merged = Item(body, "ext", FILE, raw=" ".join(names), anchor=exts[0].anchor)
    return [*rest, merged]


def _classes(items: list[Item], spec: Spec) -> list[Item]:
    """Adjacent classes joined by ``and`` describe one set (``letters and numbers``)."""
    classes = [i for i in items if i.kind == "class" and not i.negated and i.plural]
    if len(classes) < 2:
        return items
    union = "".join(lx.CLASSES[c.cls][0] for c in classes)
    merged = Item(f"[{union}]+", "class", raw="+".join(c.cls for c in classes), cls="union")
    merged.anchor = classes[0].anchor
    out = [i for i in items if i not in classes]
    out.insert(items.index(classes[0]) if classes[0] in items else 0, merged)
    return out


def _dedupe(items: list[Item]) -> list[Item]:
    seen: set[tuple[str, bool]] = set()
    out = []
    for item in items:
        key = (item.body, item.negated)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


# -- rendering -------------------------------------------------------------------------------
def alternation(bodies: list[str], group_one: bool = False) -> str:
    unique = list(dict.fromkeys(bodies))
    if len(unique) == 1 and not group_one:
        return unique[0]
    return "(?:" + "|".join(unique) + ")"


def render(spec: Spec, engine: str) -> str | None:
    positives = [i for i in spec.items if not i.negated]
    negatives: list[Item] = []
    for item in (i for i in spec.items if i.negated):
        if item.complement:
            positives.append(Item(item.complement, "whole", raw=item.raw))
        elif item.kind == "host" and item.body.endswith(r"(?:[/:?#]|$)"):
            positives.append(item)  # "without subdomains" is already a positive host
        else:
            negatives.append(item)
    wholes = [i for i in positives if i.kind == "whole"]
    parts = [i for i in positives if i.kind != "whole"]
    sequence = _sequence(parts, spec) if parts else ""
    if negatives or (wholes and (parts or len(wholes) > 1)):
        if engine == "re2":
            return None
        guards = _lookaheads(negatives) + "".join(
            "(?=" + w.body.removeprefix("^") + ")"
            for w in (wholes if parts or len(wholes) > 1 else [])
        )
        if not sequence:
            return "^" + guards + (".*$" if negatives else "")
        if sequence.startswith("^"):
            return "^" + guards + sequence[1:]
        return "^" + guards + ".*" + sequence
    if wholes:
        return wholes[0].body
    return sequence or None


def _lookaheads(negatives: list[Item]) -> str:
    plain = [n.neg_body or n.body for n in negatives if not n.anchor]
    out = "(?!.*" + alternation(plain, group_one=True) + ")" if plain else ""
    for n in negatives:
        body = n.neg_body or n.body
        if n.anchor == "start":
            out += "(?!" + body + ")"
        elif n.anchor == "end":
            out += "(?!.*" + body + "$)"
    return out


def _sequence(parts: list[Item], spec: Spec) -> str:
    """Positive items in URL order: start-anchored first, end-anchored last, alternatives of
    one part joined with ``|``."""
    groups: list[list[Item]] = []
    for item in parts:
        if item.linked and groups:
            groups[-1].append(item)
            continue
        for group in groups:
            head = group[0]
            if head.anchor == item.anchor and head.slot == item.slot and not spec.both:
                group.append(item)
                break
        else:
            groups.append([item])

    def order(group: list[Item]) -> tuple[int, int]:
        anchor = group[0].anchor
        return (0 if anchor == "start" else 2 if anchor == "end" else 1, group[0].slot)

    groups.sort(key=order)
    explicit = any(g[0].anchor for g in groups)
    bodies = []
    for group in groups:
        body = alternation([_body(i, spec, explicit) for i in group])
        if spec.both and len(group) == 2:
            a, b = (_body(i, spec, explicit) for i in group)
            body = f"(?:{a}.*{b}|{b}.*{a})"
        bodies.append(body)
    pattern = ".*".join(bodies)
    first, last = groups[0][0], groups[-1][0]
    page_end = (spec.page_end or (spec.full and not explicit)) and any(
        i.kind == "page" or i.pageish for i in groups[-1]
    )
    if first.anchor == "start" or (
        spec.full and not explicit and not page_end and _anchorable(first)
    ):
        pattern = "^" + pattern
    if page_end:
        pattern += lx.PAGE_END
    elif last.anchor == "end" or (spec.full and not explicit and _anchorable(last)):
        pattern += "$"
    return pattern


def _anchorable(item: Item) -> bool:
    return item.kind in ("literal", "bare", "class", "format", "count", "param", "uuid", "id")


def _body(item: Item, spec: Spec, explicit: bool) -> str:
    if item.kind == "class":
        whole = (
            (spec.full and not explicit)
            or (
                item.cls in WHOLE_BY_DEFAULT
                and item.plural
                and not item.contains
                and not item.anchor
            )
            or (item.cls == "union" and not item.anchor)
        )
        if whole and not spec.full:
            return "^" + item.body + "$"
        return item.body
    if item.kind in ("ext", "extgroup") and not item.anchor:
        return item.body + lx.EXTENSION_END
    return item.body


# -- answering -------------------------------------------------------------------------------
def off_topic(units: list[Unit], spec: Spec) -> bool:
    """A question or instruction with no word about matching text (``why does
    posthog.identify() fail?``) is off-topic even when it holds a literal."""
    words = [u for u in units if u.kind == "word" and u.text not in ("please", "hey", "hi", "so")]
    first = units[0] if units else None
    if first is None or first.kind != "word" or first.text not in lx.QUESTION_WORDS:
        return False
    return not spec.topical and not any(u.text in lx.TOPIC_NOUNS for u in words)


def generate(description: str, engine: str) -> tuple[str | None, bool]:
    """``(pattern or None for PostHog's refusal, ignore case)``."""
    if not description:
        return None, False
    units = lex(description)
    parser = Parser(units)
    spec = parser.parse()
    if off_topic(units, spec):
        return None, False
    if not spec.items and parser.loose and (spec.ignore_case or _is_list(parser.loose)):
        for segments in parser.loose:
            for position, segment in enumerate(segments):
                text = " ".join(segment)
                spec.items.append(Item(escape(text), "bare", raw=text, linked=position > 0))
    spec = compose(spec)
    if not spec.items:
        return None, False
    return render(spec, engine), spec.ignore_case


def _is_list(runs: list[list[list[str]]]) -> bool:
    return len(runs) == 1 and len(runs[0]) >= 2


def ignore_case(pattern: str, engine: str) -> str:
    """``pattern`` matching regardless of case, in the engine's own dialect."""
    if engine == "re2":
        return "(?i)" + pattern
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[":
            end = _class_end(pattern, index)
            out.append(pattern[index:end])
            index = end
            continue
        if char == "{":
            end = pattern.index("}", index) + 1
            out.append(pattern[index:end])
            index = end
            continue
        if char.lower() != char.upper():
            out.append(f"[{char.lower()}{char.upper()}]")
        else:
            out.append(char)
        index += 1
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    index = start + 1
    while index < len(pattern):
        if pattern[index] == "\\":
            index += 2
            continue
        if pattern[index] == "]":
            return index + 1
        index += 1
    return len(pattern)


def answer(description: str, engine: str) -> dict[str, Any]:
    """The responder's output for one request (always schema-valid)."""
    pattern, case_insensitive = generate(description, engine)
    if pattern is None:
        return refusal()
    if case_insensitive:
        pattern = ignore_case(pattern, engine)
    return success(pattern)
