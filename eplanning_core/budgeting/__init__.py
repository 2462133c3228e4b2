"""e-Budgeting integration: the locked RKPD out (with the provenance of every line) and the
budget (APBD) results in, reconciled against the plan so that a budget line with no
planning history shows.
"""
