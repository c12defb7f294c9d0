"""The live room: questions to the room (prompts), Q&A, and what the projector shows."""
