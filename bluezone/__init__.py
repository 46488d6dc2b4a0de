"""What the portal and the signage server share.

The storage layer and its migrations, files written whole, the secret key and QR codes.
"""
