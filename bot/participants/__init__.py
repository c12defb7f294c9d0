"""What every participant can do: commands, their data, erasure, the default conversation."""
