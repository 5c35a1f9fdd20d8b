"""Sync between the commune app and the upstream server: protocol, client, server."""
