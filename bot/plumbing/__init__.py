"""Plumbing every part uses: the clock, the event loop, logging, metrics and failpoints."""
