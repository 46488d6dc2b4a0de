"""What screens and machines talk to: the player pages, the HTTP API, the Socket.IO events
(players, pairing and console), JSON body parsing and QR codes."""
