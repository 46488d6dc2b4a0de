"""The campaign: what the portal promotes, the events it counts, and the figures it reports."""
