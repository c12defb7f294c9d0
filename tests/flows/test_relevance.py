"""XLSForm's skip logic: the subset Minga parses, how it reads stored answers, and YAML's use."""

from __future__ import annotations

from typing import Any

import pytest

from flows.errors import FlowErrors
from flows.loader import load_flow_text
from flows.relevance import RuleError, holds, names, parse_rule

ANSWERS: dict[str, Any] = {"works": "yes", "years": 12, "topics": ["water", "health"],
                           "agree": True, "score": 4, "area": "3"}  # fmt: skip


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("${works} = 'yes'", True),
        ("${works} != 'yes'", False),
        ("${years} > 10", True),
        ("${years} >= 12 and ${years} <= 12", True),
        ("${years} < 5 or ${score} > 3", True),
        ("10 < ${years}", True),  # a value on the left is turned around
        ("selected(${topics}, 'water')", True),
        ("selected(${topics}, 'roads')", False),
        ("not(selected(${topics}, 'roads'))", True),
        ("selected(${works}, 'yes')", True),  # on a select_one too
        ("${agree} = 'yes'", True),  # a yes/no question's answer is True
        ("${area} = 3", True),  # choice ids are text
        ("${missing} = ''", True),  # unanswered (skipped) is empty
        ("${missing} > 3", False),
        ("(${works} = 'no' or ${years} > 1) and not(${score} = 1)", True),
    ],
)
def test_an_expression_holds_as_odk_would_say(expression: str, expected: bool) -> None:
    assert holds(expression, ANSWERS) is expected


@pytest.mark.parametrize(
    "expression",
    ["${a} =", "${a} + 1 > 2", "'a' = 'b'", "count-selected(${a}) > 1", "${a} = 'x' and",
     "concat(${a}, 'b') = 'c'", "(${a} = 'x'"],
)  # fmt: skip
def test_what_is_outside_the_subset_is_refused(expression: str) -> None:
    with pytest.raises(RuleError):
        parse_rule(expression)


def test_names_lists_every_question_read() -> None:
    rule = parse_rule("selected(${a}, 'x') or not(${b} > 2 and ${c} != 'y')")
    assert list(names(rule)) == ["a", "b", "c"]


YAML = b"""
spec: 1
id: skip
kind: activity
version: 1
title: Skip
steps:
- id: q
  ask: Works?
  type: yes_no
  next: why
- id: why
  ask: Why?
  type: text
  relevant: "${q} = 'yes' and ${nowhere} = 'x'"
  next: end
"""


def test_a_yaml_flow_uses_the_same_relevant_and_the_same_checks() -> None:
    with pytest.raises(FlowErrors) as caught:
        load_flow_text(YAML, "skip.yaml", check_translations=False)
    assert [str(e) for e in caught.value.errors] == [
        "skip.yaml: step 'why': 'relevant' names 'nowhere', which no question saves"
    ]
    fixed = YAML.replace(b" and ${nowhere} = 'x'", b"")
    flow = load_flow_text(fixed, "skip.yaml", check_translations=False)
    assert flow.steps["why"].relevant == "${q} = 'yes'"
