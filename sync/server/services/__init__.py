"""Use cases of the server; each one owns its transaction and its business rules."""
