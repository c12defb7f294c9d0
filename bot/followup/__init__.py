"""Months after the workshop: check-ins, their schedule and reminders, roadmap progress."""
