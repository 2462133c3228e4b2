"""Realisasi: the money followed to the result. The execution record of each funded item
(contract, milestones with physical progress and photos, the realised amount, completion or
failure with a reason), its import from the agencies' reports, the funding sources (sumber
dana) and output indicator of a planned item, and the SIPD-ready export."""
