"""Kubernetes resource quantities in their canonical form, as the API server stores them.

``cpu: 0.5`` is stored as ``"500m"``, ``memory: 2048Mi`` as ``"2Gi"``, ``1000m`` as ``"1"``: the mantissa is the
smallest integer with a suffix the quantity's format allows (binary suffixes only for whole multiples of 1024).
"""

from __future__ import annotations

import decimal
import re
from typing import Any

from kube_emulator import errors

_PATTERN = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$")
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {exponent: suffix for suffix, exponent in _DECIMAL.items()}


def canonical(value: Any) -> str:
    """The canonical string of a quantity given as a string or a JSON number; 400 when it is not one."""
    text = str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
    match = _PATTERN.match(text)
    if match is None:
        raise errors.bad_request(f"quantities must match the regular expression "
                                 f"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got {value!r})")
    number, suffix = decimal.Decimal(match.group(1)), match.group(2) or ""
    if suffix in _BINARY:
        amount = number * (1024 ** _BINARY[suffix])
        if abs(amount) >= 1024 and amount == amount.to_integral_value():
            return _binary(int(amount))
        return _decimal(amount, exponent_form=False)
    if suffix[:1] in ("e", "E"):
        return _decimal(number.scaleb(int(suffix[1:])), exponent_form=True)
    return _decimal(number.scaleb(_DECIMAL[suffix]), exponent_form=False)


def _binary(amount: int) -> str:
    power = 0
    while power < 6 and amount != 0 and amount % 1024 == 0:
        amount //= 1024
        power += 1
    suffix = {0: "", **{exponent: suffix for suffix, exponent in _BINARY.items()}}[power]
    return f"{amount}{suffix}"


def _decimal(amount: decimal.Decimal, exponent_form: bool) -> str:
    # Below a nano the API server rounds up (away from zero) to whole nanos.
    nanos = (amount * decimal.Decimal(10) ** 9).to_integral_value(rounding=decimal.ROUND_UP)
    if nanos == 0:
        return "0"
    mantissa, exponent = int(nanos), -9
    while exponent < 18 and mantissa % 1000 == 0:
        mantissa //= 1000
        exponent += 3
    if exponent_form:
        return f"{mantissa}e{exponent}" if exponent else str(mantissa)
    return f"{mantissa}{_DECIMAL_SUFFIX[exponent]}"
