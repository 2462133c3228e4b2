"""e-Aspirasi (issue 16): citizens propose on the public portal without an account, the
lowest unit's operator turns each aspiration into a proposal, merges it into one or declines
it with a reason; anyone follows a proposal by email (double opt-in, one-click unsubscribe).
"""
