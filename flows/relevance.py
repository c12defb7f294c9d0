"""XLSForm's `relevant` (skip logic) in the subset Minga runs, shared by both flow readers.

`${q} = 'x'`, `!=`, `<`, `<=`, `>`, `>=`, `selected(${q}, 'x')`, `and`, `or`, `not(…)` and
parentheses. Tokens come from pyxform's own expression lexer, so a form reads here as ODK reads
it; the grammar on top is small enough to write out. `.` (the question itself) is allowed, so a
`constraint` parses with the same code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lark import Token

SELF = "."


class RuleError(ValueError):
    """An expression outside the subset Minga understands; the message says which part."""


@dataclass(frozen=True, slots=True)
class Compare:
    """`${name} op value` (a literal on the left is turned around when parsed)."""

    name: str
    op: str
    value: str | float

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """Tell whether the answer saved under `name` compares as asked."""
        answer = _comparable(answers.get(self.name), self.value)
        if self.op == "=":
            return bool(answer == self.value)
        if self.op == "!=":
            return bool(answer != self.value)
        if answer is None or type(answer) is not type(self.value):
            return False  # an unanswered question is neither more nor less than anything
        return bool(_ORDERS[self.op](answer, self.value))


@dataclass(frozen=True, slots=True)
class Selected:
    """`selected(${name}, 'value')`: the option was chosen (one of several, or the one)."""

    name: str
    value: str

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """Tell whether the option is among the answer's."""
        answer = answers.get(self.name)
        if isinstance(answer, list):
            return self.value in [str(a) for a in answer]
        return bool(_comparable(answer, self.value) == self.value)


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every part holds (`and`)."""

    parts: tuple[Rule, ...]

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """Tell whether every part holds."""
        return all(p.holds(answers) for p in self.parts)


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one part holds (`or`)."""

    parts: tuple[Rule, ...]

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """Tell whether any part holds."""
        return any(p.holds(answers) for p in self.parts)


@dataclass(frozen=True, slots=True)
class Negation:
    """`not(…)`."""

    part: Rule

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """Tell whether the part does not hold."""
        return not self.part.holds(answers)


Rule = Compare | Selected | AllOf | AnyOf | Negation

_ORDERS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_FLIPPED = {"=": "=", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


def _comparable(answer: Any, like: str | float) -> Any:
    """Bring a stored answer to the literal's kind: yes/no as 'yes'/'no', a number as float."""
    if answer is None:
        return "" if isinstance(like, str) else None
    if isinstance(answer, bool):
        return ("yes" if answer else "no") if isinstance(like, str) else None
    if isinstance(like, float) and isinstance(answer, int | float):
        return float(answer)
    if isinstance(like, float) and isinstance(answer, str):
        try:
            return float(answer)  # choice ids are text: '3' compares with 3
        except ValueError:
            return None
    if isinstance(like, str) and isinstance(answer, int | float):
        return str(answer)
    return answer


@lru_cache(maxsize=1024)
def parse_rule(text: str) -> Rule:
    """Parse an expression; raise `RuleError` naming what is outside the subset."""
    parser = _Parser(_tokens(text))
    rule = parser.expression()
    if parser.peek() is not None:
        raise RuleError(f"unexpected {parser.peek()!s}")
    return rule


def names(rule: Rule) -> Iterator[str]:
    """Yield every question an expression reads (`.` included when it reads itself)."""
    match rule:
        case Compare(name=name) | Selected(name=name):
            yield name
        case AllOf(parts=parts) | AnyOf(parts=parts):
            for part in parts:
                yield from names(part)
        case Negation(part=part):
            yield from names(part)


def holds(text: str, answers: Mapping[str, Any]) -> bool:
    """Evaluate an expression (already validated at load) over a run's answers."""
    return parse_rule(text).holds(answers)


def _tokens(text: str) -> list[Token]:
    """Lex with pyxform, dropping blanks and joining `>` `=` (its lexer splits `>=`)."""
    # Imported here: pyxform brings openpyxl, which the engine loads only for forms it reads.
    from pyxform.parsing.expression import parse_expression

    found: list[Token] = []
    for token in parse_expression(text.strip()):
        if token.type == "WHITESPACE":
            continue
        if token.type == "OPS_COMP" and found and found[-1].type == "OPS_COMP":
            joined = str(found[-1]) + str(token)
            found[-1] = Token("OPS_COMP", joined)
            continue
        found.append(token)
    return found


class _Parser:
    """Recursive descent over the tokens: or → and → not / ( ) / selected / comparison."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, kind: str, text: str | None = None) -> Token:
        token = self.peek()
        if token is None or token.type != kind or (text is not None and str(token) != text):
            raise RuleError(f"expected {text or kind} but found {token or 'the end'!s}")
        self.at += 1
        return token

    def _bool(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token.type == "OPS_BOOL" and str(token).strip() == word:
            self.at += 1
            return True
        return False

    def expression(self) -> Rule:
        parts = [self.conjunction()]
        while self._bool("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def conjunction(self) -> Rule:
        parts = [self.unary()]
        while self._bool("and"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def unary(self) -> Rule:
        token = self.peek()
        if token is None:
            raise RuleError("the expression ends too early")
        if token.type == "OPEN_PAREN":
            self.at += 1
            inner = self.expression()
            self.take("CLOSE_PAREN")
            return inner
        if token.type == "FUNC_CALL" and str(token) == "not(":
            self.at += 1
            inner = self.expression()
            self.take("CLOSE_PAREN")
            return Negation(inner)
        if token.type == "FUNC_CALL" and str(token) == "selected(":
            self.at += 1
            name = self.reference()
            self.take("COMMA")
            value = self.literal()
            self.take("CLOSE_PAREN")
            return Selected(name, str(value))
        return self.comparison()

    def comparison(self) -> Rule:
        left = self.operand()
        op = str(self.take("OPS_COMP"))
        right = self.operand()
        if isinstance(left, _Ref) and not isinstance(right, _Ref):
            return Compare(left.name, op, right)
        if isinstance(right, _Ref) and not isinstance(left, _Ref):
            return Compare(right.name, _FLIPPED[op], left)
        raise RuleError("a comparison needs one question and one value")

    def operand(self) -> _Ref | str | float:
        token = self.peek()
        if token is not None and token.type in ("PYXFORM_REF", "SELF_REF"):
            return _Ref(self.reference())
        return self.literal()

    def reference(self) -> str:
        token = self.peek()
        if token is not None and token.type == "SELF_REF":
            self.at += 1
            return SELF
        return str(self.take("PYXFORM_REF"))[2:-1]

    def literal(self) -> str | float:
        token = self.peek()
        if token is not None and token.type == "SYSTEM_LITERAL":
            self.at += 1
            return str(token)[1:-1]
        return float(self.take("NUMBER"))


@dataclass(frozen=True, slots=True)
class _Ref:
    """A question named in an expression, before it is known which side it is on."""

    name: str
