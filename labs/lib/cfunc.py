#!/usr/bin/env python3
"""cfunc.py: finds the function definitions of a C file, by name.

Used by labs/lib/labkit.py (the starter blanks bodies, the grader takes a
student's functions); run by hand it shows what it finds:

  labs/lib/cfunc.py FILE            one line per definition: NAME FIRST-LINE LAST-LINE
  labs/lib/cfunc.py FILE FUNCTION   the definition of FUNCTION

Exit status: 0, 1 when FUNCTION is not defined in FILE or FILE cannot be
read as C (the message says where), 2 on bad usage.

The scan knows comments, string and character literals and preprocessor
lines (with their continuations); it does not expand macros. A top-level
item (what lies between two top-level ';' or '}' of a definition) is a
function definition when its first top-level '(' follows a name (not
__attribute__), no '=' comes before it, and a '{' ends it: the name
before that '(' is the function's name, and the definition runs from the
item's first token to the matching '}'.
"""
import re
import sys

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ATTRIBUTE_WORDS = {"__attribute__", "__declspec", "_Alignas", "alignas",
                   "__asm__", "asm", "_Static_assert", "static_assert"}


class CError(Exception):
    """The text cannot be read as C: an unclosed comment, literal or brace."""


class Definition:
    """One function definition: name, offsets into the text, body offset."""

    def __init__(self, name, start, body, end):
        self.name = name
        self.start = start      # first character of the definition
        self.body = body        # its '{'
        self.end = end          # one past its '}'

    def text(self, source):
        return source[self.start:self.end]

    def head(self, source):
        """What comes before the body: the return type, name and parameters."""
        return source[self.start:self.body].rstrip()


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


def tokens(text):
    """(kind, value, offset) of each token; kind is 'id', 'punct' or 'lit'.

    Comments and preprocessor lines are skipped; literals come as one token.
    """
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if c == "\n":
            at_line_start = True
            i += 1
        elif c in " \t\r\f\v":
            i += 1
        elif c == "#" and at_line_start:
            while i < n and text[i] != "\n":
                if text.startswith("/*", i):
                    close = text.find("*/", i + 2)
                    if close == -1:
                        raise CError(f"line {line_of(text, i)}: a comment is not closed")
                    i = close + 2
                elif text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    i += 2
                else:
                    i += 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            if close == -1:
                raise CError(f"line {line_of(text, i)}: a comment is not closed")
            i = close + 2
        elif c in "\"'":
            start, i = i, i + 1
            while i < n and text[i] != c:
                if text[i] == "\n":
                    raise CError(f"line {line_of(text, start)}: a literal is not closed")
                i += 2 if text[i] == "\\" else 1
            if i >= n:
                raise CError(f"line {line_of(text, start)}: a literal is not closed")
            i += 1
            at_line_start = False
            yield "lit", text[start:i], start
        else:
            at_line_start = False
            m = IDENT.match(text, i)
            if m:
                yield "id", m.group(0), i
                i = m.end()
            else:
                yield "punct", c, i
                i += 1


def definitions(text):
    """Every top-level function definition of text, in order.

    Raises CError when the braces, parentheses or literals do not close.
    """
    found = []
    item = []           # the current top-level item's tokens
    depth = 0           # braces of a non-function item (struct, initializer)
    stream = tokens(text)
    for tok in stream:
        kind, value, offset = tok
        if depth > 0:
            if value == "{" and kind == "punct":
                depth += 1
            elif value == "}" and kind == "punct":
                depth -= 1
            continue
        if kind == "punct" and value == ";":
            item = []
            continue
        if kind == "punct" and value == "{":
            name = function_name(item)
            if name is None:
                depth = 1           # a struct, union, enum or initializer
                item.append(tok)    # its ';' ends the item
                continue
            end = matching_brace(stream, text, offset)
            found.append(Definition(name, item[0][2], offset, end))
            item = []
            continue
        item.append(tok)
    if depth > 0:
        raise CError("a '{' is not closed at the end of the file")
    return found


def function_name(item):
    """The name a function definition's head declares, or None."""
    parens = 0
    skip_next_parens = False
    for k, (kind, value, _) in enumerate(item):
        if kind != "punct":
            if kind == "id" and value in ATTRIBUTE_WORDS and parens == 0:
                skip_next_parens = True
            if kind == "id" and value in ("struct", "union", "enum") and parens == 0:
                # "struct x {" is a type; "struct x *f(void) {" is not
                rest = item[k + 1:]
                if not any(v == "(" for _, v, _ in rest):
                    return None
            continue
        if value == "=" and parens == 0:
            return None
        if value == "(":
            if parens == 0 and not skip_next_parens:
                before = item[k - 1] if k > 0 else None
                if before is None or before[0] != "id" or before[1] in ATTRIBUTE_WORDS:
                    return None
                return before[1]
            parens += 1
        elif value == ")":
            parens -= 1
            if parens == 0:
                skip_next_parens = False
    return None


def matching_brace(stream, text, open_offset):
    """One past the '}' that closes the '{' at open_offset."""
    depth = 1
    for kind, value, offset in stream:
        if kind == "punct" and value == "{":
            depth += 1
        elif kind == "punct" and value == "}":
            depth -= 1
            if depth == 0:
                return offset + 1
    raise CError(f"line {line_of(text, open_offset)}: this '{{' is not closed")


def find(text, name):
    """The definition of name in text, or None (CError when unreadable)."""
    for d in definitions(text):
        if d.name == name:
            return d
    return None


def strip_comments(text):
    """text without its C comments (literals kept), for comparing code."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = n if close == -1 else close + 2
            out.append(" ")
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text[i] in "\"'":
            q, start = text[i], i
            i += 1
            while i < n and text[i] != q and text[i] != "\n":
                i += 2 if text[i] == "\\" else 1
            i += 1
            out.append(text[start:i])
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def main(argv):
    if len(argv) not in (2, 3):
        print("usage: labs/lib/cfunc.py FILE [FUNCTION]", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8", errors="replace") as f:
            text = f.read()
        defs = definitions(text)
    except OSError as e:
        print(f"cfunc.py: {argv[1]}: {e.strerror}", file=sys.stderr)
        return 1
    except CError as e:
        print(f"cfunc.py: {argv[1]}: {e}", file=sys.stderr)
        return 1
    if len(argv) == 2:
        for d in defs:
            print(d.name, line_of(text, d.start), line_of(text, d.end - 1))
        return 0
    for d in defs:
        if d.name == argv[2]:
            print(d.text(text))
            return 0
    print(f"cfunc.py: {argv[1]}: no function {argv[2]}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
