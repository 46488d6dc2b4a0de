"""Venue boxes: their tokens, their reports and counts, and the alert when one falls silent."""
