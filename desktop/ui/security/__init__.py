"""Security screens: users, passwords, audit trail, backups and restore, export passwords."""
