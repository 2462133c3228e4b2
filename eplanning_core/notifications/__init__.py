"""Being told: in-app notifications, the email digest and the mail layer.

Notifications are rows written in the same transaction as the change that causes them
(usulan/transitions.py calls :mod:`.operations`); windows opening or closing soon are
computed when the list is shown or the digest is sent (:mod:`.windows`), never stored.
"""
