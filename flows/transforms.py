"""Steps that change only the run's own data (`action:` names the runner applies itself).

Other actions are requests the dispatcher carries out (storing a plan, erasing data); these
ones are pure functions of the run data, the reader's language and the time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from flows.checkin import next_action, record_action, save_new_action
from flows.learning import explain
from flows.plan import add_milestone, amend, collect
from i18n import Translator

Transform = Callable[[Mapping[str, Any], Translator, datetime], dict[str, Any]]

TRANSFORMS: dict[str, Transform] = {
    "save_action": lambda data, tr, now: collect(data),
    "update_action": lambda data, tr, now: amend(data),
    "add_milestone": lambda data, tr, now: add_milestone(data),
    "next_checkin_action": next_action,
    "record_checkin_action": record_action,
    "save_new_action": save_new_action,
    "explain_dimension": explain,
}
