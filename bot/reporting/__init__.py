"""The workshop report: what it shows, gathered once, and how it is rendered (HTML, PDF)."""
