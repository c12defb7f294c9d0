"""Results a participant gets at the end of an assessment."""
