"""One storage layer for the portal and the signage server: connections and transactions
(`bluezone.storage.database`) and numbered schema migrations (`bluezone.storage.migrations`)."""
