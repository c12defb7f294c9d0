"""Channels: console, Telegram and WhatsApp adapters and senders."""
