"""`minga serve`'s HTTP app: webhooks, the dashboard, health and metrics."""
