"""HTTP layer of the server: routes, request bodies, error answers."""
