"""Flows as data: YAML definitions, their validation, and the engine that runs them."""
