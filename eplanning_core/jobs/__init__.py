"""Long work in the background (tugas): exports and imports as jobs with a progress page.

The record of truth is a database row (:class:`.models.Tugas`, tenant-scoped with row level
security); the queue (RQ on Redis, or a thread of the web process when no Redis is set)
carries only its id. See docs/scaling.md, "Background jobs".
"""
