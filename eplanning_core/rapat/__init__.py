"""Meetings (rapat) of the units and their documents: Rembuk Warga, Musrenbang desa/kelurahan
and kecamatan.

A unit's operator records where and when its meeting was held, how many came, the minutes
and the delegates to the next forum, uploads the signed berita acara, the attendance list
and photos, and prints the berita acara and the recap of the unit's proposals. Sending a
batch up from a village or kecamatan needs the meeting on record (``send_blockers``): the
engine knows nothing of meetings, the app decides.
"""
