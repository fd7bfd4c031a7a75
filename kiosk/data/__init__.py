"""The database: the SQLAlchemy models, their session and migrations, and the
audit log. It knows the core's types and nothing of the web side."""
