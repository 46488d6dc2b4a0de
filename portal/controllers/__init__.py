"""Venue Wi-Fi controllers that use the portal as their external splash page.

Each controller has one module here that speaks its protocol; the portal's views only see the
small interface and the errors below.
"""
