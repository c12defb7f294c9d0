"""Facilitators' tools in the chat: broadcasts, invites, launches, results, status, export."""
