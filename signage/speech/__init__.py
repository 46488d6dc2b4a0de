"""Spoken announcements: the speech engine (`engine`) and the audio it made (`spoken`)."""
