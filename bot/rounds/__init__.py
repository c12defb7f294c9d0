"""The challenge prioritization round of a workshop: phases, votes, proposals, rankings."""
