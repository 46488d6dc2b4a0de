"""Console operators: accounts and roles, password hashing, sign-in lockout, sessions, the
audit log of their actions and the server's secret key. No Flask import."""
