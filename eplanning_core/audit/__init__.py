"""The history of every change: who did what, when, to which record, and why.

Entries are only ever added. They are written by the same operation, in the same
transaction, as the change they describe.
"""
