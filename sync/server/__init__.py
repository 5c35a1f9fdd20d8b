"""The upstream server: FastAPI routes → services → repositories → SQLAlchemy models."""
