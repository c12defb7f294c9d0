"""Wire one process together: store, flows, dispatcher and outbox sender."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.channels.base import ChannelSender
from bot.conversation.dispatcher import Dispatcher
from bot.conversation.limits import PERSON_BURST, BurstLimit
from bot.followup.scheduler import Scheduler
from bot.followup.send_window import SchedulePolicy
from bot.handlers import build_router
from bot.plumbing.clock import Clock, SystemClock
from bot.sending.outbox import OutboxSender
from flows.registry import FlowRegistry
from flows.stored import StoredFlows
from i18n import all_translators
from storage import ParticipantKey, Store, open_store


@dataclass(slots=True)
class App:
    """The parts of a running Minga process."""

    store: Store
    registry: FlowRegistry
    dispatcher: Dispatcher
    sender: OutboxSender
    clock: Clock
    scheduler: Scheduler
    forms: StoredFlows


@asynccontextmanager
async def open_app(
    database_url: str,
    senders: Mapping[str, ChannelSender],
    *,
    clock: Clock | None = None,
    default_locale: str = "es",
    registry: FlowRegistry | None = None,
    address: str | None = None,
    flows_dir: Path | None = None,
    facilitators: frozenset[ParticipantKey] = frozenset(),
    outbox_batch: int = 200,
    schedule: SchedulePolicy | None = None,
    burst: BurstLimit | None = PERSON_BURST,
) -> AsyncIterator[App]:
    """Open the store (migrating it), load the flows and build the dispatcher and sender."""
    clock = clock or SystemClock()
    all_translators()  # a missing catalog fails here, at start-up, not mid-conversation
    registry = registry or FlowRegistry.load(extra_folder=flows_dir)
    store = await open_store(database_url, clock.now)
    try:
        forms = StoredFlows(store, registry)
        await forms.refresh(force=True)
        sender = OutboxSender(store, senders, clock, address=address, batch=outbox_batch)
        dispatcher = Dispatcher(
            store,
            registry,
            clock,
            build_router(),
            default_locale=default_locale,
            on_commit=sender.wake,
            facilitators=facilitators,
            burst=burst,
            stored=forms,
        )
        scheduler = Scheduler(store, dispatcher, policy=schedule)
        dispatcher.on_scheduled = scheduler.wake
        yield App(store, registry, dispatcher, sender, clock, scheduler, forms)
    finally:
        for channel_sender in senders.values():
            await channel_sender.close()
        await store.close()
