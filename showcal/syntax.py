"""YAML syntax errors in the words of a curator, at the line the curator must change.

libyaml says what confused it ("mapping values are not allowed in this
context") and where it gave up, which is often not where the mistake is: an
unclosed quote is noticed at the end of the file, a key moved right is
noticed at its colon. Each explanation below reads the error's marks and the
lines around them, recognises the common mistake behind it, and says what to
type, with the value rewritten when that is obvious. Anything unrecognised
still gets libyaml's own words, at its own position.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import yaml

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover - libyaml is in every wheel we install
    from yaml import SafeLoader as Loader  # type: ignore[assignment]

# The line breaks YAML counts (and so libyaml's marks) besides LF and CR LF. Data
# files may not hold them (load.py refuses them), so lines are what editors show.
UNUSUAL_BREAKS = ("\x85", "\u2028", "\u2029")
BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

# `key: value` or `- key: value` as curators write them; the key a plain word.
KEY_LINE = re.compile(
    r"(?P<indent> *)(?P<dash>(?:- +)*)(?P<key>[A-Za-z0-9_][\w.-]*(?: [\w.-]+)*)[ \t]*:(?=[ \t]|$)[ \t]*"
)
_DASH_LINE = re.compile(r"(?P<indent> *)-(?=[ \t]|$)")
_COMMENT = re.compile(r"[ \t]+#.*$")
_ITEM_END = re.compile(r"\s*[,\]}]")
_ALIAS_NAME = re.compile(r"[*&]([^\s,\[\]{}]+)")

# What a list under these keys holds, to name it in messages.
_ITEMS = {"shows": "show", "events": "event", "titles": "title", "sources": "source", "dates": "date"}
_EXAMPLE_CHARS = 60


def line_and_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index, lines as editors count them (LF, or CR LF)."""
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def explain(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str]:
    """(line, column, message) for a syntax error, 1-based, at the place to edit."""
    lines = BREAK.split(text)
    error = _Error(exc, lines)
    for handler in (_runaway_quote, *_HANDLERS.get(exc.problem or "", ())):
        found = handler(error)
        if found is not None:
            line, column, message = found
            return line + 1, column + 1, message
    return _fallback(error)


@dataclass(frozen=True)
class _Token:
    """A scanner token, its marks as (line, column) pairs in the whole file."""

    kind: type
    style: str | None
    start: tuple[int, int]
    end: tuple[int, int]


# How far above an error the scanner looks again (for quotes and brackets left
# open): enough for any hand-made mistake, and a bound on the cost of
# explaining one in a catalogue-sized file.
SCAN_LINES = 2_000


@dataclass
class _Error:
    exc: yaml.MarkedYAMLError
    lines: list[str]
    _tokens: list[_Token] | None = None

    def tokens(self) -> list[_Token]:
        """The scanner's tokens over the SCAN_LINES lines up to the error's line, as far as it gets."""
        if self._tokens is None:
            last = self.mark.line if self.mark else len(self.lines) - 1
            first = max(0, last - SCAN_LINES)
            found: list[_Token] = []
            try:
                for token in yaml.scan("\n".join(self.lines[first : last + 1]), Loader=Loader):
                    start, end = token.start_mark, token.end_mark
                    found.append(
                        _Token(
                            type(token),
                            getattr(token, "style", None),
                            (start.line + first, start.column),
                            (end.line + first, end.column),
                        )
                    )
            except yaml.YAMLError:
                pass
            self._tokens = found
        return self._tokens

    @property
    def mark(self) -> yaml.Mark:
        return self.exc.problem_mark or self.exc.context_mark

    @property
    def context(self) -> yaml.Mark | None:
        return self.exc.context_mark

    def line(self, number: int) -> str:
        return self.lines[number] if 0 <= number < len(self.lines) else ""

    def above(self, number: int):
        """Line numbers above `number` holding something, nearest first."""
        for index in range(min(number, len(self.lines)) - 1, -1, -1):
            stripped = self.lines[index].strip()
            if stripped and not stripped.startswith("#"):
                yield index


Found = tuple[int, int, str] | None


@lru_cache(maxsize=1)
def _known_keys() -> frozenset[str]:
    from .rules import EVENT, FILE, RELEASE, RUN, SHOW, SITE

    return frozenset(name for shape in (FILE, SITE, SHOW, EVENT, RUN, RELEASE) for name in shape.names)


# -- pieces of messages ------------------------------------------------------


def _spaces(count: int) -> str:
    return f"{count} space{'s' * (count != 1)}"


def _article(word: str) -> str:
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


def _value_of(line: str) -> tuple[str, str, int] | None:
    """(key, value without a trailing comment, column where the value starts) of a `key: value` line."""
    match = KEY_LINE.match(line)
    if match is None:
        return None
    value = _COMMENT.sub("", line[match.end() :]).rstrip()
    return match["key"], value, match.end()


def _quote(text: str) -> str:
    """A YAML quoted scalar for `text`, the plainest that works; long ones are cut short with an ellipsis."""
    if len(text) > _EXAMPLE_CHARS:
        text = text[: _EXAMPLE_CHARS - 1].rstrip() + "…"
    if '"' not in text and "\\" not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _example(line: str, value: str) -> str:
    """The line's key (or list dash) followed by `value` quoted: how the line should read."""
    match = KEY_LINE.match(line)
    if match is not None:
        return f"{match['key']}: {_quote(value)}"
    return f"- {_quote(value)}" if line.lstrip().startswith("-") else _quote(value)


def _item_value(line: str) -> tuple[str, int] | None:
    """The value of a `key: value` line or of a `- value` list item, and its column."""
    found = _value_of(line)
    if found is not None:
        return found[1], found[2]
    dash = _DASH_LINE.match(line)
    if dash is not None:
        start = len(line) - len(line[dash.end() :].lstrip())
        return _COMMENT.sub("", line[start:]).rstrip(), start
    return None


def _named(key: str | None) -> str:
    """The value of 'title:', or the value when the line has no key."""
    return f"the value of '{key}:'" if key else "the value"


def _owner(error: _Error, line: int, column: int) -> str:
    """'this event', "'site:'" ...: what a mapping whose first key stands at (line, column) belongs to."""
    text = error.line(line)
    if text[:column].rstrip().endswith("-"):
        return f"this {_item_noun(error, line, len(text[:column].rstrip()) - 1)}"
    for number in error.above(line):
        match = KEY_LINE.match(error.lines[number])
        if match is not None and len(match["indent"]) + len(match["dash"]) < column:
            return f"'{match['key']}:'"
    return "the file's top level"


def _item_noun(error: _Error, line: int, dash: int) -> str:
    """'event' for a list under `events:`; what a list whose dash stands at (line, dash) holds."""
    for number in [line, *error.above(line)]:
        text = error.lines[number]
        match = KEY_LINE.match(text)
        if match is not None and len(match["indent"]) + len(match["dash"]) < dash:
            return _ITEMS.get(match["key"], "item")
        if len(text) - len(text.lstrip(" ")) < dash and not text.lstrip().startswith("-"):
            break
    return "item"


def _key_column(line: str) -> int | None:
    match = KEY_LINE.match(line)
    return len(match["indent"]) + len(match["dash"]) if match else None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


# -- the mistakes ------------------------------------------------------------


def _colon_in_value(error: _Error) -> Found:
    """`title: Panel: The Last of Us`, or two keys on one line: a ': ' inside a plain value."""
    mark = error.mark
    line = error.line(mark.line)
    found = _value_of(line)
    dash = _DASH_LINE.match(line)
    if dash is not None and (found is None or found[0] not in _known_keys()):
        value, start = _item_value(line)
        noun = _item_noun(error, mark.line, len(dash["indent"]))
        return mark.line, start, f"quote {_article(noun)} that contains ': ' (- {_quote(value)})"
    if found is None or mark.column < found[2]:
        return None
    key, value, start = found
    word = re.search(r"(?:^|\s)([a-z_]+)$", line[: mark.column])
    if word and word[1] in _known_keys() and word[1] != key:
        return (
            mark.line,
            word.start(1),
            f"one key per line: put '{word[1]}:' on a line of its own, lined up with '{key}:'",
        )
    if value[:1] in "[{":
        return None
    return mark.line, start, f"quote {_article(key)} that contains ': ' ({_example(line, value)})"


def _key_indented_more(error: _Error) -> Found:
    """A key further right than the key above it: YAML reads it as more of the value above, then meets its colon."""
    mark = error.mark
    line = error.line(mark.line)
    column = _key_column(line)
    if column is None:
        return None
    here = _indent(line)
    for number in error.above(mark.line):
        above = error.lines[number]
        above_column = _key_column(above)
        broken = _broken_key(above)
        if broken is not None:
            return number, broken[0], broken[1]
        if above_column is None and _indent(above) < here:
            return None
        if above_column is None or above_column >= here:
            continue
        above_key = KEY_LINE.match(above)["key"]
        this_key = KEY_LINE.match(line)["key"]
        value = _value_of(above)
        if this_key not in _known_keys() and value and value[1] and number < mark.line:
            # more of a plain value running on from the line above, with ': ' in it
            full = " ".join([value[1], *(error.lines[n].strip() for n in range(number + 1, mark.line + 1))])
            return (
                number,
                value[2],
                f"the {above_key} runs on to line {mark.line + 1} and contains ': ' there; "
                f"quote the whole {above_key} ({above_key}: {_quote(full)})",
            )
        without_dash = ", without the '- '" if line.lstrip().startswith("-") else ""
        return (
            mark.line,
            here,
            f"this line is indented {_spaces(here - above_column)} more than the key above it; "
            f"line it up with '{above_key}:'{without_dash}",
        )
    return None


def _column(line: str) -> int:
    """Where a line's key starts (after any '- '), else its first character: what lines up with its siblings."""
    key = _key_column(line)
    return _indent(line) if key is None else key


def _opens_block(line: str) -> bool:
    """`key:` alone, or `key: |` / `key: >-`: a line whose value is on the lines below it."""
    found = _value_of(line)
    return found is not None and (not found[1] or found[1][:1] in "|>")


def _alike(other: str, line: str) -> bool:
    """Two siblings: both list items with their '- ' in one column, or both keys in one column."""
    if _DASH_LINE.match(line):
        return _DASH_LINE.match(other) is not None and _indent(other) == _indent(line)
    return KEY_LINE.match(other) is not None and _column(other) == _column(line)


def _odd_line_above(error: _Error) -> Found:
    """One line out of step with the lines around it, which YAML only notices on the line after it.

    `- slug:` moved right over keys that stay put, or `timezone:` moved left
    between keys that stay put: the parser complains about the next line,
    but the line to move is the one that differs from its neighbours.
    """
    number = error.mark.line
    line = error.line(number)
    here = _column(line)
    above = error.above(number)
    previous = next(above, None)
    if previous is None or not line.strip():
        return None
    odd = error.lines[previous]
    broken = _broken_key(odd)
    if broken is not None and KEY_LINE.match(odd) is None:
        return previous, broken[0], broken[1]
    shift = here - _column(odd)
    before = next(above, None)
    following = next(
        (
            n
            for n in range(number + 1, len(error.lines))
            if error.lines[n].strip() and not error.lines[n].lstrip().startswith("#")
        ),
        None,
    )
    if shift == 0 or following is None and before is None:
        return None
    same_before = (
        before is not None
        and _alike(error.lines[before], line)
        and not _DASH_LINE.match(odd)  # an item's first line rightly follows the deeper lines of the item before
        and not _opens_block(error.lines[before])
    )
    parent_before = (
        before is None
        or _indent(error.lines[before]) < min(_indent(odd), _indent(line))
        or (_DASH_LINE.match(odd) is not None and _opens_block(error.lines[before]))  # `events:` over `- id:`
        or (_opens_block(error.lines[before]) and _indent(odd) <= _indent(error.lines[before]) < _indent(line))
    )
    same_after = following is not None and _alike(error.lines[following], line)
    if not (same_before or parent_before and same_after):
        return None
    key = KEY_LINE.match(line)
    what = f"'{key['key']}:'" if key else "the '- '" if _DASH_LINE.match(line) else "the text"
    more, way = ("more", "left") if shift < 0 else ("less", "right")
    own = KEY_LINE.match(odd)
    fix = (
        f"move it {_spaces(abs(shift))} {way}, so that '{own['key']}:' lines up with {what} on line {number + 1}"
        if own and own["dash"]
        else f"line it up with {what} on line {number + 1}"
    )
    return (
        previous,
        _indent(odd),
        f"this line is indented {_spaces(abs(shift))} {more} than the lines next to it; {fix}",
    )


def _broken_key(line: str) -> tuple[int, str] | None:
    """(column, message) for a line meant as `key: value` that lacks the colon or the space after it."""
    stripped = line.lstrip(" ")
    if stripped.startswith("- "):
        stripped = stripped[2:].lstrip(" ")
    column = len(line) - len(stripped)
    tight = re.match(r"([A-Za-z_][\w-]*):(?!//)(\S.*)", stripped)
    if tight:
        return column, f"put a space after '{tight[1]}:' ({tight[1]}: {tight[2].rstrip()})"
    spaced = re.match(r"([a-z_]+)\s+(\S.*)", stripped)
    if spaced and spaced[1] in _known_keys() and ":" not in spaced[2]:
        return column, f"put ':' after '{spaced[1]}' ({spaced[1]}: {spaced[2].rstrip()})"
    return None


def _list_mistake(error: _Error) -> Found:
    """In a list, a line that is not a '- ' item: a key moved left, a dash out of line, or a missing dash."""
    mark, context = error.mark, error.context
    if context is None:
        return None
    line = error.line(mark.line)
    dash = context.column
    stripped = line.lstrip(" ")
    here = _indent(line)
    noun = _item_noun(error, context.line, dash)
    if re.match(r"-[^\s-]", stripped):
        return mark.line, here, f"put a space after the '-' ({stripped[0]} {stripped[1:].strip()})"
    if _DASH_LINE.match(line):
        return _dash_out_of_line(error, mark.line, here, dash)
    item = next((n for n in error.above(mark.line) if _indent(error.lines[n]) == dash), None)
    item_key = _key_column(error.lines[item]) if item is not None else None
    match = KEY_LINE.match(line)
    if match is None or item_key is None or item_key <= dash or not error.lines[item].lstrip().startswith("-"):
        return mark.line, here, "this line is not an item of the list above; start it with '- ' like the line above"
    if here < item_key:
        first = KEY_LINE.match(error.lines[item])["key"]
        also = f" (or, to start a new {noun}, begin it with '- ')" if match["key"] == first and here == dash else ""
        return (
            mark.line,
            here,
            f"this key is indented less than the other keys of this {noun}; "
            f"indent it by {_spaces(item_key - here)}{also}",
        )
    return None


def _dash_out_of_line(error: _Error, line: int, here: int, dash: int) -> Found:
    sibling = next(
        (n for n in error.above(line) if _DASH_LINE.match(error.lines[n]) and _indent(error.lines[n]) == dash), None
    )
    if sibling is None or here == dash:
        return None
    more = "more" if here > dash else "less"
    return (
        line,
        here,
        f"this '- ' is indented {_spaces(abs(here - dash))} {more} than the '- ' on line {sibling + 1}; line them up",
    )


def _after_quote_or_bracket(error: _Error) -> Found:
    """`title: 'Woe's Hollow'`, `title: "Panel" at CCXP`, `title: [Spoiler] Finale`: text after a value's end."""
    mark = error.mark
    line = error.line(mark.line)
    before = line[: mark.column].rstrip()
    found = _item_value(line)
    if found is None or not before:
        return None
    value, start = found
    opener = value[:1]
    if opener in "[{" and before[-1] in "]}" and start < mark.column:
        kind = "list" if opener == "[" else "mapping"
        return (
            mark.line,
            start,
            f"a value starting with '{opener}' is read as a {kind}; quote it ({_example(line, value)})",
        )
    closing = len(before) - 1
    quote = before[-1]
    opening = _quoted_from(error, mark.line, closing) if quote in "'\"" else None
    if opening is None:
        return None
    in_flow = opener in "[{"
    key = KEY_LINE.match(line)
    prefix = "" if in_flow else f"{key['key']}: " if key else "- " if _DASH_LINE.match(line) else ""
    later = [i for i in range(mark.column, len(line)) if line[i] == quote]
    if later:
        closes_item = [i for i in later if _ITEM_END.match(line, i + 1)]
        end = (closes_item or later)[0] if in_flow else later[-1]
        content = line[opening + 1 : end]
        if quote == "'":
            doubled = "'" + content.replace("'", "''") + "'"
            return (
                mark.line,
                closing,
                f"this apostrophe ends the quoted value early; inside '...' write it twice ({prefix}{doubled}), "
                f"or use double quotes ({prefix}{_quote_double(content)})",
            )
        return (
            mark.line,
            closing,
            f"this '\"' ends the quoted value early; quote the value with ' instead ({prefix}'{content}'), "
            'or write the inner quotes as \\"',
        )
    if in_flow or opening != start:
        return None
    rest = _COMMENT.sub("", line[closing + 1 :]).rstrip()
    return (
        mark.line,
        start,
        f"the value goes on after its closing quote; put all of it inside the quotes "
        f"({_example(line, line[start + 1 : closing] + rest)})",
    )


def _quoted_from(error: _Error, line: int, closing: int) -> int | None:
    """The column where the quoted value whose closing quote stands at (line, closing) opened, on that line."""
    for token in error.tokens():
        if token.style in ("'", '"') and token.end == (line, closing + 1) and token.start[0] == line:
            return token.start[1]
    return None


def _quote_double(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _mapping_mistake(error: _Error) -> Found:
    """A block mapping met a line that is not one of its keys: a key or '- ' out of line."""
    mark, context = error.mark, error.context
    if context is None:
        return None
    line = error.line(mark.line)
    here = _indent(line)
    column = context.column
    owner = _owner(error, context.line, column)
    if _DASH_LINE.match(line):
        if here == column:
            item = error.line(context.line)
            new = ""
            if item[:column].rstrip().endswith("-"):
                noun = _item_noun(error, context.line, len(item[:column].rstrip()) - 1)
                new = f", or, to start a new {noun}, line the '-' up with the one on line {context.line + 1}"
            return mark.line, here, f"a list item ('- ') where a key of {owner} was expected; remove the '- '{new}"
        for number in error.above(mark.line):
            other = error.lines[number]
            if _DASH_LINE.match(other) and column < _indent(other) and _indent(other) != here:
                return _dash_out_of_line(error, mark.line, here, _indent(other))
        return None
    if KEY_LINE.match(line) is None:
        return _block_text_out_of_line(error)
    if here == column:
        return None
    first = KEY_LINE.match(error.line(context.line))
    if here > column:
        name = f"'{first['key']}:'" if first else "them"
        return (
            mark.line,
            here,
            f"this key is indented {_spaces(here - column)} more than the other keys of {owner}; "
            f"line it up with {name}",
        )
    return (
        mark.line,
        here,
        f"this key is indented less than the other keys of {owner}; indent it by {_spaces(column - here)}",
    )


def _block_text_out_of_line(error: _Error) -> Found:
    """A line of a `description: >-` block indented less than the block's first line, which ended it."""
    number = error.mark.line
    here = _indent(error.line(number))
    for above in error.above(number):
        text = error.lines[above]
        found = _value_of(text)
        if found is not None and _indent(text) < here:
            if found[1][:1] not in "|>":
                return None
            first = next(n for n in range(above + 1, number + 1) if error.lines[n].strip())
            indent = _indent(error.lines[first])
            if indent <= here:
                return None
            return (
                number,
                here,
                f"the lines of the text under '{found[0]}: {found[1]}' keep the indentation of its first line "
                f"(line {first + 1}); indent this line by {_spaces(indent - here)}",
            )
    return None


def _missing_colon(error: _Error) -> Found:
    """A line at a key's place with no ': ' in it: `title:Panel`, `title Panel`, or text that lost its indent."""
    context = error.context
    if context is None:
        return None
    number = context.line
    line = error.line(number)
    stripped = line[context.column :].rstrip()
    broken = _broken_key(line)
    if broken is not None:
        return number, broken[0], broken[1]
    if "\uff1a" in stripped:
        return (
            number,
            context.column + stripped.index("\uff1a"),
            "this is a full-width colon '\uff1a'; type ':' instead",
        )
    for above in error.above(number):
        text = error.lines[above]
        if _DASH_LINE.match(text) and _indent(text) == context.column:
            return (
                number,
                context.column,
                "this line is not an item of the list above; start it with '- ' like the line above",
            )
        key = KEY_LINE.match(text)
        if key is not None and len(key["indent"]) + len(key["dash"]) >= context.column:
            return (
                number,
                context.column,
                f"this line has no 'key:'; write it as 'key: value', or, if it goes on from the "
                f"{key['key']} on line {above + 1}, indent it more than '{key['key']}:'",
            )
        if _indent(text) < context.column:
            break
    return number, context.column, "this line is neither 'key: value' nor a list item ('- ...'); check its indentation"


def _unclosed_flow(error: _Error) -> Found:
    """`sources: [a, b` without its ']': YAML reads on into the next lines and fails there."""
    mark, context = error.mark, error.context
    if context is None:
        return None
    quoted = _after_quote_or_bracket(error)
    if quoted is not None and mark.line == context.line:
        return quoted
    closer = "]" if error.exc.problem.endswith("']'") else "}"
    opener = "[" if closer == "]" else "{"
    kind = "list" if closer == "]" else "mapping"
    if mark.line > context.line:
        line = error.line(context.line)
        if not _COMMENT.sub("", line[context.column + 1 :]).strip():
            return context.line, context.column, f"this '{opener}' is never closed; end the {kind} with '{closer}'"
        found = _item_value(line)
        literal = ""
        if found is not None and found[1] == context.column and "," not in found[0]:
            literal = f", or, if the '{opener}' is part of the text, quote the value ({_example(line, found[0])})"
        return (
            context.line,
            context.column,
            f"this '{opener}' is not closed on its line; end the {kind} with '{closer}'{literal}",
        )
    return (
        mark.line,
        mark.column,
        f"in a '{opener}...{closer}' {kind}, items are separated by ', '; quote an item that contains "
        f"'{opener}', '{closer}', ',' or ': '",
    )


def _missing_content(error: _Error) -> Found:
    """A flow list or mapping that the file ends inside, a doubled ',' or a value starting with ']' or '}'."""
    mark = error.mark
    opened = _unclosed_opener(error, mark)
    if opened is not None:
        line, column, char = opened
        kind = "list" if char == "[" else "mapping"
        closer = "]" if char == "[" else "}"
        return line, column, f"this '{char}' is never closed; end the {kind} with '{closer}'"
    char = error.line(mark.line)[mark.column : mark.column + 1]
    if char in (",", "]", "}"):
        found = _item_value(error.line(mark.line))
        if found is not None and found[1] == mark.column:
            return _reserved_start(error)
        return mark.line, mark.column, f"an item is missing before this '{char}'; remove the '{char}' or give the item"
    return None


def _unclosed_opener(error: _Error, mark: yaml.Mark) -> tuple[int, int, str] | None:
    """The '[' or '{' still open on a line above `mark`, from the scanner's tokens up to it."""
    stack: list[_Token] = []
    for token in error.tokens():
        if token.kind in (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken):
            stack.append(token)
        elif token.kind in (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken) and stack:
            stack.pop()
    if not stack or stack[-1].start[0] >= mark.line:
        return None
    line, column = stack[0].start
    return line, column, error.line(line)[column]


def _unclosed_quote(error: _Error) -> Found:
    context = error.context
    if context is None:
        return None
    line = error.line(context.line)
    quote = line[context.column : context.column + 1] or '"'
    found = _value_of(line)
    what = _named(found[0] if found else None)
    return (
        context.line,
        context.column,
        f"this {quote} is never closed, so {what} runs on to the end of the file; close it on this line",
    )


def _tab(error: _Error) -> Found:
    mark = error.mark
    line = error.line(mark.line)
    if "\t" not in line[: len(line) - len(line.lstrip(" \t"))] and line[mark.column : mark.column + 1] != "\t":
        return None
    tab = line.find("\t")
    return (
        mark.line,
        tab,
        "this line is indented with a tab; YAML indents with spaces only: replace the tab with spaces",
    )


def _reserved_start(error: _Error) -> Found:
    """`network: @AppleTV`, `title: `Panel``, `title: %50`: a value starting with a character YAML reserves."""
    mark = error.mark
    line = error.line(mark.line)
    char = line[mark.column : mark.column + 1]
    found = _item_value(line)
    if not char or found is None or found[1] != mark.column:
        return None
    value, start = found
    return (
        mark.line,
        start,
        f"a value cannot start with '{char}' in YAML; quote it ({_example(line, value)})",
    )


def _indicator_start(error: _Error) -> Found:
    """A value starting with '*', '&', '!', '|', '>', '- ' or '? ', which YAML reads as syntax."""
    context = error.context or error.mark
    line = error.line(context.line)
    found = _item_value(line)
    if found is None or found[1] != context.column:
        return None
    value, start = found
    char = value[:1]
    meaning = {
        "*": "a reference to an '&' anchor",
        "&": "an anchor",
        "!": "a YAML tag",
        "|": "the start of a block of text on the lines below",
        ">": "the start of a block of text on the lines below",
        "-": "a list item",
        "?": "the start of a key",
    }.get(char)
    if meaning is None:
        return None
    return (
        context.line,
        start,
        f"a value starting with '{char}' is read as {meaning}; quote it ({_example(line, value)})",
    )


def _undefined_alias(error: _Error) -> Found:
    mark = error.mark
    line = error.line(mark.line)
    name = _ALIAS_NAME.match(line, mark.column)
    found = _item_value(line)
    if name is None:
        return None
    quoted = f" ({_example(line, found[0])})" if found and found[1] == mark.column else ""
    return (
        mark.line,
        mark.column,
        f"'*{name[1]}' refers to an anchor '&{name[1]}' that is not defined above it; "
        f"if the '*' is part of the text, quote the value{quoted}",
    )


def _duplicate_anchor(error: _Error) -> Found:
    mark, first = error.mark, error.context
    if first is None:
        return None
    name = _ALIAS_NAME.match(error.line(mark.line), mark.column)
    label = f"'&{name[1]}'" if name else "this anchor"
    return (
        mark.line,
        mark.column,
        f"the anchor {label} is already defined on line {first.line + 1}; give each anchor its own name",
    )


def _second_document(error: _Error) -> Found:
    mark = error.mark
    return (
        mark.line,
        mark.column,
        "'---' starts a second YAML document here, and a data file holds one; remove this line "
        "(or move what follows into a file of its own)",
    )


def _after_document_end(error: _Error) -> Found:
    mark = error.mark
    for number in [mark.line, *error.above(mark.line)]:
        if error.line(number).rstrip() == "...":
            return number, 0, "'...' ends the YAML document, so nothing may follow it; remove this line"
    first = next(
        (n for n in range(mark.line) if error.lines[n].strip() and not error.lines[n].lstrip().startswith("#")), None
    )
    if first is not None and _indent(error.lines[first]) > mark.column:
        return (
            first,
            _indent(error.lines[first]),
            f"the file's first line is indented {_spaces(_indent(error.lines[first]) - mark.column)} more than "
            f"the top-level keys below it (line {mark.line + 1}); remove the spaces at its start",
        )
    stray = next(error.above(mark.line), None)
    if stray is None or KEY_LINE.match(error.lines[stray]):
        return None
    return (
        stray,
        _indent(error.lines[stray]),
        f"this line is neither 'key: value' nor a list item, so YAML cannot go on at line {mark.line + 1}; "
        "make it a comment (# ...), remove it, or write it as 'key: value'",
    )


def _directive(error: _Error) -> Found:
    context = error.context or error.mark
    return context.line, context.column, "a line cannot start with '%' in YAML; remove the '%' or quote the value"


def _runaway_quote(error: _Error) -> Found:
    """A quoted value that swallowed the lines after it, where a quote was left open.

    YAML lets quoted values span lines, so `title: 'Pilot` runs on to the
    next apostrophe and the parser complains far below the real mistake,
    on the line where that quote closed.
    """
    mark = error.exc.problem_mark
    if mark is None:
        return None
    found = None
    for token in error.tokens():
        if token.start[0] < mark.line == token.end[0] and token.style in ("'", '"'):
            found = token
    if found is None:
        return None
    line, column = found.start
    key = _value_of(error.line(line))
    return (
        line,
        column,
        f"this quote is not closed on its line, so {_named(key[0] if key else None)} runs on to the next quote, "
        f"on line {found.end[0] + 1}, and YAML gives up there; close the quote on this line",
    )


def _nested_too_deep(error: _Error) -> Found:
    mark = error.mark
    return (
        mark.line,
        mark.column,
        "the data is nested more than 1,000 levels deep here; check the brackets and the indentation",
    )


def _bad_escape(error: _Error) -> Found:
    mark = error.mark
    return (
        mark.line,
        mark.column,
        "inside double quotes a backslash starts an escape such as \\n; write a backslash as \\\\, "
        "or quote the value with ' instead",
    )


def _tag_handle(error: _Error) -> Found:
    mark = error.mark
    written = re.match(r"!\S*", error.line(mark.line)[mark.column :])
    tag = written[0] if written else "!"
    return mark.line, mark.column, f"YAML tags are not used in showcal data; remove '{tag}'"


def _fallback(error: _Error) -> tuple[int, int, str]:
    exc = error.exc
    mark = exc.problem_mark or exc.context_mark
    message = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
        message += f" ({exc.context} on line {exc.context_mark.line + 1})"
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return line, column, f"YAML cannot read this: {message}"


_HANDLERS: dict[str, tuple[Callable[[_Error], Found], ...]] = {
    "mapping values are not allowed in this context": (_colon_in_value, _odd_line_above, _key_indented_more),
    "did not find expected '-' indicator": (_after_quote_or_bracket, _odd_line_above, _list_mistake),
    "did not find expected key": (_after_quote_or_bracket, _odd_line_above, _mapping_mistake),
    "could not find expected ':'": (_missing_colon,),
    "did not find expected ',' or ']'": (_unclosed_flow,),
    "did not find expected ',' or '}'": (_unclosed_flow,),
    "found unexpected end of stream": (_unclosed_quote,),
    "found unexpected document indicator": (_unclosed_quote,),
    "found character that cannot start any token": (_tab, _reserved_start),
    "found a tab character that violates indentation": (_tab,),
    "found a tab character where an indentation space is expected": (_tab,),
    "did not find expected alphabetic or numeric character": (_indicator_start,),
    "did not find expected comment or line break": (_indicator_start,),
    "did not find expected whitespace or line break": (_indicator_start,),
    "block sequence entries are not allowed in this context": (_indicator_start,),
    "mapping keys are not allowed in this context": (_indicator_start,),
    "found undefined alias": (_undefined_alias,),
    "second occurrence": (_duplicate_anchor,),
    "but found another document": (_second_document,),
    "did not find expected <document start>": (_after_document_end,),
    "found unexpected non-alphabetical character": (_directive,),
    "did not find expected directive name": (_directive,),
    "could not find expected directive name": (_directive,),
    "found unknown directive name": (_directive,),
    "exceeded maximum nesting depth": (_nested_too_deep,),
    "found unknown escape character": (_bad_escape,),
    "found undefined tag handle": (_tag_handle,),
    "did not find expected node content": (_missing_content,),
}
