"""Sending: the outbox sender, the channel senders it drives, and its own process."""
