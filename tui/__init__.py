"""The approval desk: a Textual app over the gateway's HTTP API (never its database)."""
