"""What the portal and the signage server share: storage, files written whole, the secret key, QR codes."""
