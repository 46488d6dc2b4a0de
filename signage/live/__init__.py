"""What the server knows while it runs: the hub and the programme screens are shown, which
screens are present and enrolled, their alerts and acknowledgements, proof of play, the
playlist directory watcher, the background loop and the alert webhook."""
