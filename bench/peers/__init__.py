"""Hand-made bots to measure Minga against (bench/side_by_side.py): no durability by design."""
