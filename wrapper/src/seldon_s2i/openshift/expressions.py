"""Random values for template parameters declared with ``generate: expression``.

Called by ``seldon_s2i.openshift.templates`` while processing a Template. The
syntax is OpenShift's: only ``[class]{count}`` groups are generated, everything
else is copied literally. A class lists characters, ranges such as ``a-z`` and the
shorthands ``\\w`` (letters, digits, underscore), ``\\d`` (digits), ``\\a``
(letters and digits) and ``\\A`` (ASCII symbols). The count is 1 to 255, as in
OpenShift. Ranges include both ends (OpenShift's own generator drops the last
character of a range, e.g. never ``z`` for ``a-z``). Values come from the operating
system's CSPRNG because they are used as secrets.
"""

from __future__ import annotations

import re
import secrets
import string

MAX_GROUP_LENGTH = 255

# The shorthand classes OpenShift's expression generator knows.
SHORTHAND_CLASSES: dict[str, str] = {
    r"\w": string.ascii_letters + string.digits + "_",
    r"\d": string.digits,
    r"\a": string.ascii_letters + string.digits,
    r"\A": "~!@#$%^&*()-_+={}[]\\|<,>.?/\"';:`",
}

# A generated group: a character class directly followed by a repetition count.
GROUP = re.compile(r"\[([^\]]*)\]\{([^}]*)\}")
CLASS_ITEM = re.compile(r"\\.|.-.|.", re.DOTALL)


class ExpressionError(ValueError):
    """The ``from`` expression of a parameter cannot be generated."""


def alphabet_of(character_class: str) -> str:
    """The characters a ``[...]`` class allows, in a stable order without duplicates."""
    if not character_class:
        raise ExpressionError("empty character class []")
    allowed: dict[str, None] = {}
    for item in CLASS_ITEM.findall(character_class):
        if item.startswith("\\"):
            if item not in SHORTHAND_CLASSES:
                raise ExpressionError(f"unknown class {item!r} (known: {', '.join(SHORTHAND_CLASSES)})")
            allowed.update(dict.fromkeys(SHORTHAND_CLASSES[item]))
        elif len(item) == 3:
            low, high = item[0], item[2]
            if ord(low) > ord(high):
                raise ExpressionError(f"range {item!r} runs backwards")
            allowed.update(dict.fromkeys(chr(code) for code in range(ord(low), ord(high) + 1)))
        else:
            allowed[item] = None
    return "".join(allowed)


def group_length(count: str) -> int:
    if not count.isdigit() or not 1 <= int(count) <= MAX_GROUP_LENGTH:
        raise ExpressionError(f"count {{{count}}} must be a number from 1 to {MAX_GROUP_LENGTH}")
    return int(count)


def generate(expression: str) -> str:
    """A fresh random value matching ``expression``, e.g. ``[a-zA-Z0-9]{40}``."""
    if not GROUP.search(expression):
        raise ExpressionError(f"{expression!r} has no [class]{{count}} group to generate")

    def fill(group: re.Match[str]) -> str:
        alphabet = alphabet_of(group.group(1))
        return "".join(secrets.choice(alphabet) for _ in range(group_length(group.group(2))))

    return GROUP.sub(fill, expression)
