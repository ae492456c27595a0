"""The catalog: the source of truth, in SQLite or PostgreSQL. Its tables are queried here only
(an import contract keeps SQLAlchemy and Alembic inside this package).

- ``db.py``: the engine, units of work (``Catalog.session`` / ``read_session``), migrations.
- ``models.py``: every table and column; ``migrations/`` creates the same schema.
- Repository functions, by noun, taking a session: ``repo.py`` (media, segments, jobs),
  ``keys.py``, ``chats.py``, ``webhooks.py``, ``retention.py`` (originals to delete),
  ``traces.py`` (a job's trace context), ``leases.py`` (the job rows the database-backed queue,
  ``queue/db.py``, leases), ``enrichments.py`` (what a media is about), ``taxonomies.py`` (a
  tenant's labels), ``foods.py`` (the nutrition food table, shared by every tenant).
  ``uploads.py`` takes the catalog instead: recording an upload retries its own transaction
  when a concurrent upload wins a unique key.

Callers outside the package open a unit of work and call these functions; they read the ORM rows
they get back but never build a query.
"""
