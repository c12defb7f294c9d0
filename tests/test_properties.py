"""Property-based: any text at any step gets a reply, raises nothing, and an invalid answer
leaves the run exactly as it was."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from bot.conversation.commands import parse_command
from bot.conversation.normalize import clean_text
from flows.registry import FlowRegistry
from flows.runner import BACK_WORDS, MORE_WORDS, SKIP_WORDS, FlowRunner
from flows.turn import Context
from i18n import fold, translator
from storage import Cohort, Participant, ParticipantKey
from tests.support import CHANNEL, harness

REGISTRY = FlowRegistry.load()
RUNNER = FlowRunner(REGISTRY)
NOW = datetime(2026, 3, 2, tzinfo=UTC)

COMMANDS = [
    "/start",
    "/menu",
    "/help",
    "/language",
    "/resume",
    "/stop",
    "/mydata",
    "/delete",
    "/start ODS2026",
    "/start@MingaBot",
    "/menu extra words",
    "/",
    "//",
    "/ñandú",
]
texts = st.one_of(
    st.text(max_size=200),
    st.text(min_size=1000, max_size=10_000),
    st.sampled_from(
        [
            "",
            " ",
            "1",
            "2",
            "99",
            "-1",
            "sí",
            "no",
            "atrás",
            "🙂",
            "🙂🙂🙂",
            "\u200b",
            "\x00",
            "Ｓí",
            "ＳＩ",
            "%s{name}{0}",
            "{",
            "}",
        ]
    ),
    st.sampled_from(COMMANDS),
    st.builds(lambda a, c: f"{a} {c}", st.text(max_size=20), st.sampled_from(COMMANDS)),
)


class _Directory:
    async def cohort_by_code(self, code: str) -> Cohort | None:
        return None


def _runs_at_every_question():
    """A run parked at each question of onboarding, reached by valid answers."""
    participant = Participant("p1", CHANNEL, "ana", "es", NOW)
    ctx = Context(participant, translator("es"), NOW, _Directory())
    answers = ["1", "sí", "Ana", "Cuenca", "Chile", "1", "1"]
    turn = RUNNER.start("onboarding", ctx)
    runs = []
    for answer in answers:
        assert turn.run is not None
        runs.append(turn.run)
        turn = asyncio.run(RUNNER.answer(turn.run, ctx, answer))
    return ctx, runs


CTX, RUNS = _runs_at_every_question()


@settings(max_examples=300, deadline=None)
@given(index=st.integers(0, len(RUNS) - 1), text=texts)
@example(index=0, text="¹")  # regression: "¹".isdigit() is true, but int("¹") raises
@example(index=5, text="²³")
def test_runner_never_raises_and_invalid_leaves_the_run(index: int, text: str) -> None:
    run = RUNS[index]
    turn = asyncio.run(RUNNER.answer(run, CTX, text))
    assert turn.messages(), "every reply gets an answer"
    assert all(m.text.strip() for m in turn.messages())
    navigation = fold(text) in BACK_WORDS | MORE_WORDS | SKIP_WORDS or fold(text).isdecimal()
    if not turn.answers and not navigation:
        assert turn.run is None, "an invalid answer must not move the run"
    if turn.answers:
        assert turn.answers[0].raw == text


# No shrinking: each example opens a whole app, and shrinking a failure took minutes (with
# pytest-timeout's failure taken for the test's own, it never stopped). The raw example is
# reported instead; pin it below with @example once understood.
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(sequence=st.lists(texts, min_size=1, max_size=10))
# Found by hypothesis: after an erase, /stop leaves a record with nothing open, and the next
# message (even an empty one) rightly starts onboarding.
@example(sequence=["/delete", "Ｓí", "/stop", ""])
@example(sequence=["\x91 /delete"])
def test_dispatcher_replies_to_anything(tmp_path: Path, sequence: list[str]) -> None:
    async def play() -> None:
        db = tmp_path / f"p{abs(hash(tuple(sequence)))}.db"
        async with harness(db) as h:
            person = h.person()
            await person.open()
            for sent in sequence:
                before = await _state(h)
                reply = await person.send(sent)
                # What the dispatcher reads: control characters dropped at the edge, so
                # "\x91 /delete" is the command /delete.
                text = clean_text(sent)
                after = await _state(h)
                if parse_command(text) is None and "/delete" not in text:
                    assert reply.strip(), f"no reply to {text!r}"
                answers_before, run_before = before
                answers_after, run_after = after
                navigation = fold(text) in BACK_WORDS | MORE_WORDS | SKIP_WORDS
                # An erase, or a first message after one, legitimately changes everything; so
                # does any message from someone with no activity open (it starts onboarding).
                fresh = not run_before or run_after is None
                if (
                    not fresh
                    and answers_after == answers_before
                    and parse_command(text) is None
                    and not navigation
                    and not fold(text).strip(" .)").isdecimal()
                ):
                    assert run_after == run_before, f"{text!r} moved the run"
        db.unlink(missing_ok=True)

    asyncio.run(play())


async def _state(h) -> tuple[int, object]:
    p = await h.app.store.participant(ParticipantKey(CHANNEL, "ana"))
    if p is None:
        return 0, None
    runs = [r for r in await h.app.store.runs(p.id) if r.status == "active"]
    answers = await h.app.store.answers(p.id)
    return len(answers), [(r.id, r.step, r.data) for r in runs]
