"""WhatsApp's customer-service window, kept apart from the channel so that using it loads no SDK.

Minga may write freely for 24 hours after a person's last message; after that, only approved
templates go out.
"""

from __future__ import annotations

from datetime import timedelta

WINDOW = timedelta(hours=24)
