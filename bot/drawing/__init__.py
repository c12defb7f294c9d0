"""Images Minga draws: result charts and the join poster."""
