"""The SQLAlchemy store: tables, the group-commit writer and the unit of work."""
