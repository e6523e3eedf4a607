"""Persistence: engine, ORM models, migrations and the unit of work."""
