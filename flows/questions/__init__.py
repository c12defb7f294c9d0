"""The question types, kept in a registry keyed by the `type` a step declares.

Each type checks its own step settings at load, parses a reply in the participant's language, and
says how to answer it. Parsing never raises: a reply is either `Parsed` or `Invalid`.

The interface and the registry are in `base`; a type registers itself when its module is
imported, so importing this package imports every family of types.
"""

from flows.questions import choices, code, route, written

__all__ = ["choices", "code", "route", "written"]
