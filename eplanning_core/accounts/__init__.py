"""Accounts: users, their role, and the unit, agency or dapil their work is limited to.

Perangkat Daerah (PD, also OPD/SKPD) are the region's agencies, such as Dinas PUPR.
DPRD members work for their dapil (electoral district), a set of kecamatan.
"""
