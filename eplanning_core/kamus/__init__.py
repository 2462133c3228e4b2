"""Reference lists Bappeda keeps: the proposal catalogue (kamus usulan) and the national
programme nomenclature (Permendagri 90/2019: urusan > bidang urusan > program > kegiatan >
sub kegiatan). A catalogue item proposes a unit, a unit price from the region's price
standard (SSH/HSPK/ASB), the responsible agency and a sub kegiatan.
"""
