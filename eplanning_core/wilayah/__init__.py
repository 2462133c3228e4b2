"""The region hierarchy (wilayah): kecamatan > kelurahan/desa/nagari > lingkungan/dusun/jorong.

Levels are numbered 1..3 below the kabupaten/kota; their names come from the region's
tenant.toml. Codes are materialised paths (12.71.01 > 12.71.01.1001 > 12.71.01.1001.01), so
"this unit and everything below it" is one indexed prefix query.
"""
