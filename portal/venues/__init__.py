"""Venues whose Wi-Fi controllers use the portal as their splash page: settings, secrets, pages.

A venue's controller protocol lives in :mod:`portal.controllers`; this package reads the venue's
settings and carries its visitors from the controller's redirect to the grant.
"""
