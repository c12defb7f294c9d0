"""The outbox: queued rows, claims, delivery outcomes, and messages held and released."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.codec import dump_json, dump_time, load_json
from storage.messages import Outbound
from storage.records.outbox import Delivery, NewOutbound, OutboxRow
from storage.records.people import Participant
from storage.sql.common import Row, Statement

OUTBOX_CLAIM_COLUMNS = (
    "id, channel, address, participant_id, payload, priority, attempts, erase_after_send"
)

OUTBOX_LEASE_SECONDS = 120  # a sender that died: its claimed rows are claimed again after this
# Rows of one chat a claim takes at most. A chat is paced at about one message a second, so a
# claim of 20 goes out well inside its lease; claiming a long backlog whole outlived the lease
# and a second claim sent its tail again while the first sender was still on it.
CLAIM_PER_ADDRESS = 20

INSERT_OUTBOX_SQL = (
    "INSERT INTO outbox (channel, address, participant_id, payload, priority, not_before, "
    "created_at, dedupe_key, erase_after_send) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)

RELEASE_HELD_SQL = (
    "UPDATE outbox SET status = 'pending', not_before = ? "
    "WHERE channel = ? AND address = ? AND status = 'held'"
)

# A nudge re-asks the pending check-in question, so the check-in messages still held for this
# person (waiting for a tap on an earlier template) would only repeat it. Held broadcasts stay.
# The key range is the 'checkin:' prefix, on the dedupe_key index.
DROP_HELD_SQL = (
    "UPDATE outbox SET status = 'superseded', lease_until = NULL "
    "WHERE channel = ? AND address = ? AND status = 'held' "
    "AND dedupe_key >= 'checkin:' AND dedupe_key < 'checkin;'"
)

STATUS_ROW_SQL = f"SELECT {OUTBOX_CLAIM_COLUMNS} FROM outbox WHERE channel = ? AND external_id = ?"

RECORD_STATUS_SQL = (
    "UPDATE outbox SET delivery_status = ?, delivery_error = ?, delivery_at = ? WHERE id = ?"
)

ERASE_SENT_SQL = "DELETE FROM outbox WHERE id = ? AND erase_after_send = 1"

_STATE_ORDER = {"sent": 0, "held": 1, "retry": 2, "returned": 3, "unreachable": 4, "failed": 5}

# Statements that put a message in the queue (new rows; held rows released; a row requeued).
_QUEUEING = ("INSERT INTO outbox", "UPDATE outbox SET status = 'pending'")


def outbox_from_row(row: Row) -> OutboxRow:
    """Decode the claim columns, in `OUTBOX_CLAIM_COLUMNS` order."""
    return OutboxRow(
        id=int(row[0]),
        channel=row[1],
        address=row[2],
        participant_id=row[3],
        message=Outbound.from_json(load_json(row[4])),
        priority=int(row[5]),
        attempts=int(row[6]),
        erase_after_send=bool(row[7]),
    )


def queues_messages(sql: str) -> bool:
    """Tell whether a statement queues a message (so the sending process must be woken)."""
    return sql.startswith(_QUEUEING)


def delivery_statements(deliveries: Sequence[Delivery], now: datetime) -> list[Statement]:
    """Statements that record delivery outcomes, equal SQL kept together for `executemany`."""
    stamp = dump_time(now)
    out: list[Statement] = []
    ordered = sorted(deliveries, key=lambda d: (_STATE_ORDER[d.state], d.row_id))
    for d in ordered:
        if d.state == "sent":
            out.append(
                (
                    "UPDATE outbox SET status = 'sent', sent_at = ?, external_id = ?, "
                    "lease_until = NULL WHERE id = ?",
                    (stamp, d.external_id, d.row_id),
                )
            )
        elif d.state == "retry":
            out.append(
                (
                    "UPDATE outbox SET status = 'pending', not_before = ?, error = ?, "
                    "lease_until = NULL WHERE id = ?",
                    (dump_time(d.retry_at or now), d.error, d.row_id),
                )
            )
        elif d.state == "returned":
            out.append(
                (
                    "UPDATE outbox SET status = 'pending', not_before = ?, error = ?, "
                    "lease_until = NULL, attempts = attempts - 1 WHERE id = ?",
                    (dump_time(d.retry_at or now), d.error, d.row_id),
                )
            )
        elif d.state == "unreachable":
            out.append(
                (
                    "UPDATE participants SET unreachable = 1 WHERE (channel, address) = "
                    "(SELECT channel, address FROM outbox WHERE id = ?)",
                    (d.row_id,),
                )
            )
            # Everything else queued for that address would fail the same way.
            out.append(
                (
                    "UPDATE outbox SET status = 'failed', error = ?, lease_until = NULL "
                    "WHERE id = ? OR (status = 'pending' AND (channel, address) = "
                    "(SELECT channel, address FROM outbox WHERE id = ?))",
                    (d.error or "unreachable", d.row_id, d.row_id),
                )
            )
        elif d.state == "held":
            out.append(
                (
                    "UPDATE outbox SET status = 'held', external_id = ?, error = ?, "
                    "lease_until = NULL WHERE id = ?",
                    (d.external_id, d.error, d.row_id),
                )
            )
        else:
            out.append(
                (
                    "UPDATE outbox SET status = 'failed', error = ?, lease_until = NULL "
                    "WHERE id = ?",
                    (d.error, d.row_id),
                )
            )
    # The goodbye after an erase leaves no trace once it is out. By primary key on purpose: a
    # condition on status makes the planner walk every sent row, slower as the outbox grows.
    # Only for the rows that are such goodbyes: a statement less for every other message sent.
    out.extend(
        (ERASE_SENT_SQL, (d.row_id,)) for d in ordered if d.state == "sent" and d.erase_after_send
    )
    return out


def claim_outbox_sql(channels: int, by_address: bool, lock: str) -> tuple[str, str]:
    """Return (release expired claims, claim due rows) for `channels` channels.

    Params: release — channels…, now; claim — lease, channels…, [address], now, now, limit.
    """
    marks = ", ".join("?" * channels)
    address_clause = "AND o.address = ?" if by_address else ""
    # Expired claims (a sender that died) go back to pending first, so that the claim itself
    # is an index range scan on status = 'pending' rather than a scan of the whole outbox.
    release = (
        f"UPDATE outbox SET status = 'pending', lease_until = NULL "
        f"WHERE status = 'sending' AND channel IN ({marks}) AND lease_until < ?"
    )
    claim = f"""
        UPDATE outbox SET status = 'sending', lease_until = ?, attempts = attempts + 1
        WHERE id IN (
            SELECT o.id FROM outbox o
            WHERE o.status = 'pending' AND o.channel IN ({marks}) {address_clause}
              AND o.not_before <= ?
              AND NOT EXISTS (
                  SELECT 1 FROM outbox f
                  WHERE f.channel = o.channel AND f.address = o.address
                    AND f.status = 'sending')
              AND NOT EXISTS (
                  SELECT 1 FROM outbox e
                  WHERE e.channel = o.channel AND e.address = o.address
                    AND e.status = 'pending' AND e.id < o.id AND e.not_before > ?)
              AND (SELECT count(*) FROM outbox b
                   WHERE b.channel = o.channel AND b.address = o.address
                     AND b.status = 'pending' AND b.id < o.id) < {CLAIM_PER_ADDRESS}
            ORDER BY o.priority, o.id
            LIMIT ? {lock})
        RETURNING {OUTBOX_CLAIM_COLUMNS}
    """
    return release, claim


def release_claims_sql(channels: int, by_address: bool) -> str:
    """Return claimed rows of `channels` channels (optionally one address) to the queue."""
    sql = (
        f"UPDATE outbox SET status = 'pending', lease_until = NULL "
        f"WHERE status = 'sending' AND channel IN ({', '.join('?' * channels)})"
    )
    return sql + " AND address = ?" if by_address else sql


# -- what a unit of work writes, one builder per record (`storage/sql/changes.py` orders them) --


def release_held_statements(
    release: bool, participant: Participant | None, now: datetime
) -> list[Statement]:
    """Send now what was held for the person outside the WhatsApp window (they just wrote)."""
    if not release or participant is None:
        return []
    return [(RELEASE_HELD_SQL, (dump_time(now), participant.channel, participant.address))]


def drop_held_statements(drop: bool, participant: Participant | None) -> list[Statement]:
    """Drop the check-in messages held for the person (see `DROP_HELD_SQL`)."""
    if not drop or participant is None:
        return []
    return [(DROP_HELD_SQL, (participant.channel, participant.address))]


def outbox_statements(messages: Sequence[NewOutbound], now: datetime) -> list[Statement]:
    """Queue messages; one whose dedupe key is already queued is left out."""
    stamp = dump_time(now)
    return [
        (
            INSERT_OUTBOX_SQL,
            (
                o.channel,
                o.address,
                o.participant_id,
                dump_json(o.message.to_json()),
                o.priority,
                dump_time(o.not_before) if o.not_before is not None else stamp,
                stamp,
                o.dedupe_key,
                int(o.erase_after_send),
            ),
        )
        for o in messages
    ]
