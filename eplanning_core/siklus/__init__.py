"""The planning cycle (siklus): one per plan year, e.g. "RKPD 2027", with its stages (tahapan).

Stages come from the region's tenant.toml when Bappeda opens the cycle; their windows can
then be moved or extended by Bappeda, always with a reason kept in the history. Pagu
(ceilings, in rupiah) and kuota (how many items a unit may send up) are set per unit or
per agency here.
"""
