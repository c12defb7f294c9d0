"""The application: CLI, dispatcher, channels, outbox sender and the glue between them."""
