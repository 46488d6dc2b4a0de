"""The visitor-facing web edge: pages, the RFC 8908 API, interception and OS connectivity probes.

Also what a request tells about its visitor: language, operating system, original destination.
"""
