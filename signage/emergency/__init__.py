"""Emergency overrides: the messages (`model`), their validation (`requests`), their SQLite
store with its audit log (`store`), the console's draft form, who may send what
(`overriderights`) and the CAP sources (`cap`, `capfeed`)."""
