"""The flow runner, which is pure: it reads a run and a reply and returns a `Turn`.

The turn (`flows/turn.py`) holds the new run state, the answers to record, the messages to send
and the events to apply; the runner itself writes and sends nothing.
"""

from __future__ import annotations

import string
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flows.learning import CATALOG, learn_catalog
from flows.machine import CompiledFlow
from flows.model import END, Flow, Option, Step
from flows.options import SOURCES
from flows.plan import render_plan
from flows.questions.base import (
    AskContext,
    Invalid,
    QuestionType,
    Reply,
    question_type,
)
from flows.questions.matching import option_label, short_label
from flows.registry import FlowRegistry
from flows.relevance import holds
from flows.transforms import TRANSFORMS
from flows.turn import ActionRequested, Context, ProfileSet, Turn
from i18n import Translator, fold, translator
from storage import Answer, Choice, Participant, Run

BACK_WORDS = frozenset({"back", "/back", "atras", "volver", "voltar", "anterior"})
MORE_WORDS = frozenset({"more", "mas", "mais", "+"})
SKIP_WORDS = frozenset({"skip", "/skip", "saltar", "omitir", "pular", "-"})
_MAX_STEPS_PER_TURN = 500


class FlowRuntimeError(Exception):
    """A flow did something validation could not foresee (a loop of prefilled questions)."""


class FlowRunner:
    """Start runs, take answers, go back and re-ask; returns turns, never side effects."""

    def __init__(self, registry: FlowRegistry) -> None:
        self.registry = registry

    # -- entry points ---------------------------------------------------------------------------

    def start(self, flow_id: str, ctx: Context, preset: dict[str, Any] | None = None) -> Turn:
        """Begin a new run of a flow and say everything up to its first question."""
        compiled = self.registry.get(flow_id)
        flow = compiled.flow
        if flow.params.get("catalog") == CATALOG:
            # The learn flow reads the assessments' texts from the run, not from the registry.
            preset = {**learn_catalog(self.registry.menu_flows()), **(preset or {})}
        run = Run(
            id=uuid.uuid4().hex,
            participant_id=ctx.participant.id,
            flow_id=flow.id,
            flow_version=flow.version,
            step=flow.start,
            status="active",
            started_at=ctx.now,
            updated_at=ctx.now,
            data={"vars": dict(preset or {}), "shown": {}, "history": [], "seq": 0, "page": 0},
        )
        turn = Turn(tr=ctx.tr)
        self._enter(compiled, run, flow.start, ctx, turn)
        return turn

    def prompt(self, run: Run, ctx: Context, notice: str | None = None) -> Turn:
        """Ask the current question again, after an optional notice."""
        turn = Turn(tr=ctx.tr)
        compiled = self.registry.for_run(run.flow_id, run.flow_version)
        if compiled is None:
            return self._vanished(run, ctx, turn)
        if notice:
            turn.texts.append(notice)
        if run.step not in compiled.flow.steps:
            # The flow file changed under this run; start it over rather than guess.
            turn.texts.append(ctx.tr.gettext("This activity was updated, so it starts again."))
            self._enter(
                compiled, _restarted(run, compiled.flow, ctx.now), compiled.flow.start, ctx, turn
            )
            return turn
        self._ask(compiled.flow, compiled.flow.step(run.step), run, ctx, turn)
        return turn

    async def answer(
        self, run: Run, ctx: Context, text: str | None, choice_id: str | None = None
    ) -> Turn:
        """Take a reply to the current question and move the run on, or re-ask."""
        compiled = self.registry.for_run(run.flow_id, run.flow_version)
        if compiled is None:
            return self._vanished(run, ctx, Turn(tr=ctx.tr))
        step = compiled.flow.steps.get(run.step)
        if step is None or not step.is_question:
            return self.prompt(run, ctx)
        asked = _asked(compiled, step, ctx.tr, run.data)
        reading = (
            self._read_button(asked, run, ctx, choice_id)
            if choice_id is not None
            else self._read_words(asked, run, ctx, text)
        )
        if isinstance(reading, Turn):
            return reading
        option, skipped = reading
        parsed = await _parse(asked, ctx, text, option, skipped)
        if isinstance(parsed, Invalid):
            notice = ctx.tr.gettext(step.invalid) if step.invalid else parsed.message
            return self.prompt(run, ctx, notice)
        raw = text if text is not None else (option_label(option, ctx.tr) if option else "")
        return self._accept(asked, run, ctx, raw, *parsed)

    # -- internals ------------------------------------------------------------------------------

    def _read_button(
        self, asked: _Asked, run: Run, ctx: Context, choice_id: str
    ) -> tuple[Option | None, bool] | Turn:
        """Read a tapped button as (option, skipped), or answer it at once: a page, a stale tap."""
        ref, _, token = choice_id.rpartition(".")
        if ref == run.data.get("answered_ref"):
            # A second tap on the question just answered (a double tap, a slow network):
            # it already counted, so nothing to do and nothing to say.
            return Turn(tr=ctx.tr)
        if ref != run.data.get("ref"):
            return self._stale_button(run, ctx)
        if token == "more":
            return self._turn_page(run, asked.page + 1, ctx)
        if token == "skip" and asked.step.optional:
            return None, True
        if token.isdecimal() and int(token) < len(asked.options):
            return asked.options[int(token)], False
        return self._stale_button(run, ctx)

    def _read_words(
        self, asked: _Asked, run: Run, ctx: Context, text: str | None
    ) -> tuple[Option | None, bool] | Turn:
        """Read typed text as (no option, skipped), or obey it at once: back, more options."""
        folded = fold(text) if text else ""
        if folded in BACK_WORDS:
            return self._back(asked.compiled, run, ctx)
        if asked.has_more and (folded in MORE_WORDS or folded == str(len(asked.shown) + 1)):
            return self._turn_page(run, asked.page + 1, ctx)
        return None, asked.step.optional and folded in SKIP_WORDS

    def _stale_button(self, run: Run, ctx: Context) -> Turn:
        notice = ctx.tr.gettext(
            "That button belongs to an earlier question. Here is the current one:"
        )
        return self.prompt(run, ctx, notice)

    def _accept(
        self, asked: _Asked, run: Run, ctx: Context, raw: str, value: Any, display: str
    ) -> Turn:
        """Record an accepted answer and walk on to what follows it."""
        step, compiled = asked.step, asked.compiled
        turn = Turn(tr=ctx.tr)
        turn.answers.append(
            Answer(run.id, run.participant_id, compiled.flow.id, step.id, raw, value, ctx.now)
        )
        run = _record(run, step, value, display, ctx.now)
        self._apply_set(step, value, ctx, turn)
        target = compiled.answer(step.id, value)
        self._enter(compiled, run, target, _with_tr(ctx, turn.tr), turn)
        return turn

    def _enter(
        self, compiled: CompiledFlow, run: Run, step_id: str, ctx: Context, turn: Turn
    ) -> None:
        """Walk from `step_id`, saying `say` texts, until a question waits or the flow ends."""
        flow = compiled.flow
        for _ in range(_MAX_STEPS_PER_TURN):
            if step_id == END:
                turn.run = run.with_changes(
                    status="completed", completed_at=ctx.now, updated_at=ctx.now
                )
                turn.finished = True
                return
            step = flow.step(step_id)
            if step.relevant is not None and not holds(step.relevant, run.data.get("vars", {})):
                step_id = compiled.proceed(step_id)  # skip logic: as if the step were not there
                continue
            if step.action in TRANSFORMS:
                run = run.with_changes(data=TRANSFORMS[step.action](run.data, turn.tr, ctx.now))
            elif step.action:
                # The dispatcher gets the answers so far, to store what the action records.
                payload = {"run_id": run.id, "vars": dict(run.data.get("vars", {}))}
                turn.events.append(ActionRequested(step.action, payload))
            if step.say:
                turn.texts.append(fill(turn.tr.gettext(step.say), run, ctx.participant, turn.tr))
            if step.is_question:
                prefilled = run.data["vars"].get(step.prefill) if step.prefill else None
                if prefilled is None:
                    data = _asking(run.id, run.data)
                    run = run.with_changes(step=step_id, data=data, updated_at=ctx.now)
                    turn.run = run
                    self._ask(flow, step, run, _with_tr(ctx, turn.tr), turn)
                    return
                self._apply_set(step, prefilled, ctx, turn)
                step_id = compiled.answer(step_id, prefilled)
            else:
                step_id = compiled.proceed(step_id)
        raise FlowRuntimeError(f"{flow.source}: more than {_MAX_STEPS_PER_TURN} steps in one turn")

    def _ask(self, flow: Flow, step: Step, run: Run, ctx: Context, turn: Turn) -> None:
        kind = question_type(step.type or "")
        assert kind is not None
        tr = turn.tr
        options = resolve_options(step, kind, tr, run.data)
        _, shown, has_more = _page(step, options, run.data.get("page", 0))
        if step.ask_from is not None:
            # Someone's own words (a facilitator's question): shown as written, never a template.
            lines = [str(run.data.get("vars", {}).get(step.ask_from) or "")]
        else:
            lines = [fill(tr.gettext(step.ask) if step.ask else "", run, ctx.participant, tr)]
        hint = tr.gettext(step.hint) if step.hint else kind.hint(step, tr)
        if hint:
            lines.append(hint)
        ref = run.data.get("ref", "")
        choices = [
            Choice(f"{ref}.{options.index(o)}", option_label(o, tr), short_label(o, tr))
            for o in shown
        ]
        if has_more:
            choices.append(Choice(f"{ref}.more", tr.gettext("More options ▸")))
        if step.optional:
            choices.append(Choice(f"{ref}.skip", tr.gettext("Skip")))
        turn.texts.append("\n".join(lines))
        turn.choices = tuple(choices)
        turn.multi = kind.multiple
        turn.scale = kind.name == "likert"

    def _apply_set(self, step: Step, value: Any, ctx: Context, turn: Turn) -> None:
        if step.set is None:
            return
        name = step.set.partition(".")[2]
        turn.events.append(ProfileSet(name, value))
        if name == "locale" and isinstance(value, str):
            turn.tr = translator(value)

    def _turn_page(self, run: Run, page: int, ctx: Context) -> Turn:
        run = run.with_changes(data={**run.data, "page": page}, updated_at=ctx.now)
        turn = self.prompt(run, ctx)
        turn.run = run
        return turn

    def _back(self, compiled: CompiledFlow, run: Run, ctx: Context) -> Turn:
        history = list(run.data.get("history", []))
        if not history:
            return self.prompt(run, ctx, ctx.tr.gettext("This is the first question."))
        target = history[-1]
        if not compiled.back(run.step, target):
            return self.prompt(run, ctx, ctx.tr.gettext("You cannot go back from here."))
        data = _asking(run.id, {**run.data, "history": history[:-1]})
        run = run.with_changes(step=target, data=data, updated_at=ctx.now)
        turn = self.prompt(run, ctx)
        turn.run = run
        return turn

    def _vanished(self, run: Run, ctx: Context, turn: Turn) -> Turn:
        turn.texts.append(ctx.tr.gettext("This activity is no longer available."))
        turn.run = run.with_changes(status="cancelled", updated_at=ctx.now)
        turn.finished = True
        return turn


def resolve_options(
    step: Step, kind: QuestionType, tr: Translator, data: Mapping[str, Any] | None = None
) -> tuple[Option, ...]:
    """Return a question's options: from the step, from a data source, or the type's own."""
    if step.options:
        return step.options
    if step.options_from:
        return SOURCES[step.options_from](tr, data or {})
    return kind.fixed_options(step)


@dataclass(frozen=True, slots=True)
class _Asked:
    """The question a reply answers: its step and type, its options and the page shown."""

    compiled: CompiledFlow
    step: Step
    kind: QuestionType
    options: tuple[Option, ...]
    page: int
    shown: tuple[Option, ...]
    has_more: bool


def _asked(compiled: CompiledFlow, step: Step, tr: Translator, data: Mapping[str, Any]) -> _Asked:
    kind = question_type(step.type or "")
    assert kind is not None
    options = resolve_options(step, kind, tr, data)
    page, shown, has_more = _page(step, options, data.get("page", 0))
    return _Asked(compiled, step, kind, options, page, shown, has_more)


async def _parse(
    asked: _Asked, ctx: Context, text: str | None, option: Option | None, skipped: bool
) -> tuple[Any, str] | Invalid:
    """Parse a reply into the value to store and how to show it; a skip stores None."""
    if skipped:
        return None, ctx.tr.gettext("(skipped)")
    reply = Reply(text=text, option=option)
    result = await asked.kind.parse(
        asked.step, reply, AskContext(ctx.tr, asked.options, asked.shown, ctx.directory, ctx.now)
    )
    if isinstance(result, Invalid):
        return result
    return result.value, result.display


def _page(
    step: Step, options: tuple[Option, ...], page: int
) -> tuple[int, tuple[Option, ...], bool]:
    size = step.page_size
    if not size or len(options) <= size:
        return 0, options, False
    pages = -(-len(options) // size)
    page %= pages
    return page, options[page * size : (page + 1) * size], True


def _asking(run_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Run data for a question about to be asked: a fresh button token, its first page."""
    seq = int(data.get("seq", 0)) + 1
    return {**data, "seq": seq, "ref": f"{run_id[:6]}{seq:x}", "page": 0}


def _record(run: Run, step: Step, value: Any, display: str, now: datetime) -> Run:
    data = dict(run.data)
    data["vars"] = {**data.get("vars", {}), step.key: value}
    data["shown"] = {**data.get("shown", {}), step.key: display}
    data["history"] = [*data.get("history", []), step.id]
    data["answered_ref"] = data.get("ref")
    return run.with_changes(data=data, updated_at=now)


def _restarted(run: Run, flow: Flow, now: datetime) -> Run:
    data = {"vars": {}, "shown": {}, "history": [], "seq": int(run.data.get("seq", 0)), "page": 0}
    return run.with_changes(flow_version=flow.version, step=flow.start, data=data, updated_at=now)


def _with_tr(ctx: Context, tr: Translator) -> Context:
    return ctx if ctx.tr is tr else Context(ctx.participant, tr, ctx.now, ctx.directory)


class _Fields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def fill(text: str, run: Run, participant: Participant, tr: Translator) -> str:
    """Put answers, profile fields and `{plan}` (the actions so far) into a text."""
    if "{" not in text:
        return text
    fields = _Fields(
        name=participant.name or "",
        municipality=participant.municipality or "",
    )
    # Texts the bot put in the run (a workshop's audience, "83 participants"), then answers.
    fields.update((k, v) for k, v in run.data.get("vars", {}).items() if isinstance(v, str))
    fields.update(run.data.get("shown", {}))
    if "{plan}" in text:
        fields["plan"] = render_plan(run.data.get("vars", {}).get("actions", []), tr)
    try:
        return string.Formatter().vformat(text, (), fields)
    except (ValueError, IndexError, AttributeError, KeyError):
        return text
