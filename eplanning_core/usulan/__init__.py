"""The proposal (usulan) and its journey: from the neighbourhood meeting (Rembuk Warga)
through the village and kecamatan Musrenbang, the council's Pokir and the agencies'
Renja into the RKPD and the budget.

A proposal is always in exactly one place: one stage (``tahapan``) with one status there.
Each decision at a level is kept (Keputusan) with its reason, who and when; every change
also writes a history entry (audit) in the same transaction.
"""
