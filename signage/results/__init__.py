"""Campaign results: the portal's counters and the screens' proof of play as tables, charts
and CSV exports."""
