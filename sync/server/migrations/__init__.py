"""Alembic migrations of the upstream server's database."""
