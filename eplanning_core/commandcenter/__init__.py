"""The Command Center: one page for the Bupati/Wali Kota and Bappeda to see the whole cycle
at a glance (funnel, schedule, late units, ceilings, Pokir share, map, KPK indicators)."""
