"""What the demo's proposals say: Indonesian problems, activities, streets and names of Medan.

Everything here is invented for training. Proposers' NIK and phone numbers are obviously
fake (a NIK whose birth date part is ``999999``, phones ``0812-0000-....``) so that nobody
mistakes the demo for personal data (UU 27/2022).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ItemText:
    """How citizens describe one catalogue item; ``{jalan}`` and ``{v}`` are filled in."""

    volumes: tuple[int, int, int]   # lowest, highest, step
    permasalahan: str
    kegiatan: str


ITEMS: dict[str, ItemText] = {
    "FP-JL-01": ItemText((80, 300, 10),
                         "Aspal di {jalan} rusak dan berlubang sepanjang ± {v} m; saat hujan jalan "
                         "tergenang dan sering terjadi kecelakaan sepeda motor.",
                         "Pengaspalan hotmix {jalan} sepanjang {v} m, lebar 3 m."),
    "FP-JL-02": ItemText((50, 200, 10),
                         "{jalan} masih tanah dan becek saat hujan; anak sekolah dan lansia sulit "
                         "melintas.",
                         "Rabat beton {jalan} sepanjang {v} m, lebar 2 m."),
    "FP-JL-03": ItemText((60, 200, 10),
                         "Permukaan {jalan} bergelombang dan berlubang; air menggenang di depan rumah "
                         "warga.",
                         "Pemasangan paving block {jalan} sepanjang {v} m, lebar 3 m."),
    "FP-JL-04": ItemText((40, 150, 5),
                         "Banyak lubang di badan {jalan} akibat truk pengangkut barang; lubang terbesar "
                         "± 1 m.",
                         "Penambalan lubang jalan di {jalan} seluas {v} m²."),
    "FP-JL-05": ItemText((60, 150, 10),
                         "{jalan} belum pernah diperkeras dan menjadi lumpur setiap musim hujan.",
                         "Peningkatan {jalan} menjadi jalan beton sepanjang {v} m, lebar 4 m."),
    "FP-JL-06": ItemText((1, 1, 1),
                         "Titian di {jalan} yang melintasi parit besar lapuk dan papannya patah; dipakai "
                         "± 300 warga setiap hari.",
                         "Rehabilitasi titian menjadi jembatan beton di {jalan}."),
    "FP-JL-07": ItemText((30, 120, 10),
                         "Tebing parit di {jalan} longsor dan mengancam badan jalan serta rumah warga.",
                         "Pembangunan talud pasangan batu di {jalan} sepanjang {v} m."),
    "FP-DR-01": ItemText((60, 250, 10),
                         "Parit di {jalan} dangkal dan tersumbat; setiap hujan deras air meluap ke rumah "
                         "warga setinggi ± 30 cm.",
                         "Pembangunan drainase U-ditch 40 x 40 cm di {jalan} sepanjang {v} m."),
    "FP-DR-02": ItemText((60, 200, 10),
                         "Saluran utama di {jalan} terlalu kecil sehingga kawasan ini banjir setiap "
                         "hujan lebat.",
                         "Pembangunan drainase U-ditch 60 x 60 cm di {jalan} sepanjang {v} m."),
    "FP-DR-03": ItemText((50, 200, 10),
                         "Dinding parit pasangan batu di {jalan} runtuh di beberapa titik dan menyumbat "
                         "aliran air.",
                         "Rehabilitasi parit pasangan batu di {jalan} sepanjang {v} m."),
    "FP-DR-04": ItemText((200, 800, 50),
                         "Parit di {jalan} penuh lumpur dan sampah; air tidak mengalir, berbau dan "
                         "menjadi sarang nyamuk.",
                         "Normalisasi dan pengorekan parit {jalan} sepanjang {v} m."),
    "FP-DR-05": ItemText((4, 15, 1),
                         "Tutup parit di depan rumah warga {jalan} banyak yang pecah dan membahayakan "
                         "pejalan kaki.",
                         "Pemasangan {v} unit plat beton penutup parit di {jalan}."),
    "FP-DR-06": ItemText((3, 10, 1),
                         "Halaman rumah warga di {jalan} tergenang berhari-hari setelah hujan karena "
                         "tidak ada resapan.",
                         "Pembuatan {v} unit sumur resapan di {jalan}."),
    "FP-PJ-01": ItemText((4, 12, 1),
                         "{jalan} gelap pada malam hari; warga melaporkan beberapa kasus jambret.",
                         "Pemasangan {v} titik lampu jalan LED 60 W dengan tiang di {jalan}."),
    "FP-PJ-02": ItemText((5, 15, 1),
                         "Tiang PLN di {jalan} belum dipasangi lampu penerangan jalan.",
                         "Pemasangan {v} titik lampu LED 40 W pada tiang PLN di {jalan}."),
    "FP-PJ-03": ItemText((5, 20, 1),
                         "Lampu jalan di {jalan} banyak yang mati lebih dari enam bulan.",
                         "Perbaikan {v} titik lampu jalan mati di {jalan}."),
    "FP-PJ-04": ItemText((3, 8, 1),
                         "Simpang di {jalan} tidak punya rambu dan papan nama jalan; pengendara sering "
                         "salah arah.",
                         "Pemasangan {v} unit rambu lalu lintas dan papan nama jalan di {jalan}."),
    "FP-PJ-05": ItemText((2, 6, 1),
                         "Kendaraan melaju kencang di {jalan} yang setiap pagi dilalui anak sekolah.",
                         "Pemasangan {v} unit pita penggaduh karet di {jalan} dekat sekolah."),
    "FP-RM-01": ItemText((2, 6, 1),
                         "Ada {v} rumah warga kurang mampu di {jalan} dengan atap bocor, dinding papan "
                         "lapuk dan lantai tanah.",
                         "Bedah rumah (perbaikan rumah tidak layak huni) {v} unit di {jalan}."),
    "FP-SL-01": ItemText((1, 1, 1),
                         "Sebagian warga di {jalan} tidak memiliki jamban sendiri dan masih buang air "
                         "ke parit.",
                         "Pembangunan MCK komunal 3 pintu di {jalan}."),
    "FP-SL-02": ItemText((1, 1, 1),
                         "Limbah rumah tangga di {jalan} dibuang langsung ke parit dan mencemari sumur "
                         "warga.",
                         "Pembangunan tangki septik komunal di {jalan}."),
    "FP-PD-01": ItemText((1, 2, 1),
                         "Atap dan plafon ruang kelas SD Negeri di {jalan} bocor dan retak; murid "
                         "belajar bergantian.",
                         "Rehabilitasi {v} ruang kelas SD Negeri di {jalan}."),
    "FP-KS-01": ItemText((1, 1, 1),
                         "Gedung posyandu di {jalan} rusak, lantai retak dan atap bocor; penimbangan "
                         "balita pindah ke teras rumah kader.",
                         "Rehabilitasi gedung posyandu di {jalan}."),
    "FP-RT-01": ItemText((30, 100, 5),
                         "{jalan} gersang dan panas; tidak ada pohon pelindung di sepanjang trotoar.",
                         "Penanaman {v} batang pohon pelindung di {jalan}."),
    "FP-CC-01": ItemText((2, 6, 1),
                         "Sering terjadi pencurian sepeda motor di {jalan} pada malam hari.",
                         "Pemasangan {v} titik kamera CCTV lingkungan di {jalan}."),
    "SB-KS-01": ItemText((1, 2, 1),
                         "Posyandu di {jalan} hanya punya satu timbangan dacin yang rusak; tinggi badan "
                         "balita tidak terukur dengan benar.",
                         "Pengadaan {v} paket peralatan posyandu untuk posyandu di {jalan}."),
    "SB-KS-02": ItemText((10, 25, 1),
                         "Kader posyandu di lingkungan ini banyak yang baru dan belum pernah dilatih "
                         "mencatat tumbuh kembang balita.",
                         "Pelatihan {v} orang kader posyandu."),
    "SB-KS-03": ItemText((20, 60, 5),
                         "Data penimbangan posyandu menunjukkan balita gizi kurang dan stunting di "
                         "sekitar {jalan}.",
                         "Pemberian makanan tambahan bagi {v} balita gizi kurang."),
    "SB-KS-04": ItemText((1, 1, 1),
                         "Lansia di {jalan} harus ke puskesmas hanya untuk memeriksa tekanan darah dan "
                         "gula darah.",
                         "Pengadaan peralatan posbindu lansia di {jalan}."),
    "SB-PD-01": ItemText((1, 2, 1),
                         "PAUD di {jalan} memakai meja dan kursi sumbangan yang sudah rusak.",
                         "Pengadaan {v} paket mebel PAUD di {jalan}."),
    "SB-PD-02": ItemText((1, 3, 1),
                         "Meja dan kursi siswa SD Negeri di {jalan} banyak yang patah; sebagian murid "
                         "duduk berdesakan.",
                         "Pengadaan {v} paket mebel siswa SD Negeri di {jalan}."),
    "SB-SO-01": ItemText((3, 10, 1),
                         "Ada {v} warga penyandang disabilitas di lingkungan ini yang belum memiliki "
                         "kursi roda.",
                         "Bantuan {v} unit kursi roda bagi penyandang disabilitas."),
    "SB-SO-02": ItemText((5, 15, 1),
                         "Lanjut usia yang hidup sendiri di {jalan} kesulitan memenuhi makan "
                         "sehari-hari.",
                         "Permakanan bagi {v} orang lanjut usia terlantar."),
    "SB-LH-01": ItemText((1, 1, 1),
                         "Sampah rumah tangga di {jalan} menumpuk di pinggir parit; belum ada pemilahan "
                         "sampah.",
                         "Pembentukan bank sampah lingkungan di {jalan}."),
    "SB-LH-02": ItemText((1, 2, 1),
                         "Sampah di {jalan} hanya diangkut dua kali seminggu karena becak sampah "
                         "lingkungan rusak.",
                         "Pengadaan {v} unit becak motor pengangkut sampah."),
    "SB-LH-03": ItemText((10, 30, 2),
                         "Tidak ada tempat sampah di sepanjang {jalan}; warga membuang sampah ke parit.",
                         "Pengadaan {v} unit tong sampah terpilah di {jalan}."),
    "EK-UM-01": ItemText((15, 30, 1),
                         "Banyak ibu rumah tangga di lingkungan ini berjualan makanan rumahan tetapi "
                         "belum paham pembukuan dan permodalan.",
                         "Pelatihan kewirausahaan bagi {v} pelaku UMKM."),
    "EK-UM-02": ItemText((15, 30, 1),
                         "Pelaku UMKM di sekitar {jalan} belum memasarkan produknya secara daring.",
                         "Pelatihan pemasaran digital bagi {v} pelaku UMKM."),
    "EK-UM-03": ItemText((1, 1, 1),
                         "Keripik dan kue kering buatan warga belum dikemas dengan baik dan belum "
                         "berizin P-IRT.",
                         "Pelatihan pengolahan pangan dan pengemasan bagi kelompok UMKM."),
    "EK-UM-04": ItemText((5, 15, 1),
                         "Pedagang kaki lima di {jalan} berjualan dengan meja seadanya.",
                         "Bantuan {v} unit gerobak dagang bagi pedagang usaha mikro."),
    "EK-UM-05": ItemText((20, 40, 1),
                         "Usaha mikro di lingkungan ini belum memiliki NIB dan sertifikat halal sehingga "
                         "sulit masuk ke toko modern.",
                         "Pendampingan NIB dan sertifikat halal bagi {v} usaha mikro."),
    "EK-UM-06": ItemText((15, 25, 1),
                         "Banyak ibu rumah tangga di sekitar {jalan} ingin menambah penghasilan "
                         "keluarga.",
                         "Pelatihan menjahit bagi {v} ibu rumah tangga."),
    "EK-TN-01": ItemText((15, 30, 1),
                         "Warga memiliki pekarangan sempit yang belum dimanfaatkan.",
                         "Pelatihan budidaya lele dalam ember bagi {v} warga."),
}

#: Streets per kecamatan code, and the approximate centre of the kecamatan (lat, lng).
STREETS: dict[str, tuple[tuple[float, float], tuple[str, ...]]] = {
    "12.71.01": ((3.5745, 98.6905), ("Jl. Halat", "Jl. Amaliun", "Jl. Laksana", "Jl. Mahkamah",
                                     "Jl. Utama", "Jl. Sakti Lubis", "Jl. Thamrin", "Jl. Pelangi",
                                     "Jl. Rahmadsyah", "Jl. Mangkubumi", "Jl. Juanda", "Jl. Kemiri")),
    "12.71.02": ((3.5860, 98.6190), ("Jl. Sunggal", "Jl. Setia Budi", "Jl. Pinang Baris",
                                     "Jl. Balai Desa", "Jl. Abadi", "Jl. PDAM Sunggal",
                                     "Jl. Bhayangkara", "Jl. Sei Mencirim")),
    "12.71.03": ((3.6120, 98.6330), ("Jl. Kapten Sumarsono", "Jl. Kemuning", "Jl. Gaperta",
                                     "Jl. Cempaka", "Jl. Asrama")),
    "12.71.05": ((3.6110, 98.6760), ("Jl. Glugur By Pass", "Jl. Karya", "Jl. Sekip",
                                     "Jl. Putri Hijau", "Jl. Jemadi", "Jl. Karantina", "Jl. Sei Deli",
                                     "Jl. Rakyat")),
    "12.71.10": ((3.5760, 98.7050), ("Jl. Menteng Raya", "Jl. Sukaramai", "Jl. Bromo",
                                     "Jl. Medan Area Selatan", "Jl. Gedung Arca", "Jl. Puri",
                                     "Jl. Turi", "Jl. Denai")),
    "12.71.15": ((3.5750, 98.6830), ("Jl. Brigjend Katamso", "Jl. Multatuli", "Jl. Masjid Raya",
                                     "Jl. Sei Mati")),
    "12.71.17": ((3.5760, 98.6560), ("Jl. Dr. Mansyur", "Jl. Abdullah Lubis", "Jl. Darat",
                                     "Jl. Gajah Mada")),
}
GANG = ("Gg. Damai", "Gg. Mesjid", "Gg. Melati", "Gg. Rukun", "Gg. Sepakat", "Gg. Keluarga",
        "Gg. Bersama", "Gg. Amal", "Gg. Sederhana", "Gg. Mawar", "Gg. Horas", "Gg. Pendidikan",
        "Gg. Mufakat", "Gg. Sejahtera")
PLACES = ("depan Masjid Al-Ikhlas", "samping SD Negeri", "dekat Posyandu Melati",
          "depan Gereja HKBP", "sampai simpang jalan besar", "belakang Pajak (pasar) lingkungan",
          "dekat rumah Kepala Lingkungan", "dari ujung gang sampai parit besar",
          "depan Musala Nurul Huda", "samping lapangan bola")

PROPOSERS = (
    "Siti Aminah", "Ahmad Syahputra Nasution", "Rosmawati Siregar", "Budi Santoso",
    "Ramli Harahap", "Tiurma Simanjuntak", "Sri Wahyuni", "Muhammad Rizki Lubis",
    "Hendra Gunawan", "Lina br Sembiring", "Darwin Sitorus", "Nurhayati Daulay",
    "Rahmat Hidayat", "Yusnaini", "Fauzi Rangkuti", "Dewi Sartika Purba", "Suryani Pane",
    "Agus Salim Tanjung", "Maria Sihombing", "Ferdinand Manurung", "Linda Halim",
    "Zulkifli Matondang", "Erna Tarigan", "Syahrial Batubara", "Wagiman", "Rina Marpaung",
    "Khairul Anwar Pohan", "Juliana Ginting", "Bambang Irawan", "Nur Asiah Hasibuan",
)

# ---- reasons, as a forum would minute them -------------------------------------------------

REJECT = {
    "rembuk_warga": (
        "Lokasi berada di jalan nasional; bukan kewenangan Pemerintah Kota Medan.",
        "Sama dengan usulan lingkungan lain di ruas yang sama; digabung.",
        "Lahan milik pribadi dan belum ada surat hibah untuk fasilitas umum.",
    ),
    "musrenbang_kelurahan": (
        "Bukan prioritas kelurahan tahun ini; diusulkan kembali tahun depan.",
        "Lokasi sedang dikerjakan Balai Wilayah Sungai (normalisasi sungai).",
        "Tumpang tindih dengan usulan prioritas nomor 1 di lokasi yang sama.",
    ),
    "musrenbang_kecamatan": (
        "Skor rendah dan tidak tertampung pagu indikatif kecamatan; diusulkan kembali tahun depan.",
        "Lokasi masuk rencana pelebaran jalan provinsi.",
    ),
    "pokir": ("Sama dengan usulan Musrenbang Kecamatan yang sudah diterima di lokasi yang sama.",),
    "forum_pd": (
        "Ruas ini sudah masuk kontrak pemeliharaan rutin 2026.",
        "Tidak sesuai indikator kinerja Renja 2027; diusulkan kembali tahun depan.",
    ),
    "musrenbang_rkpd": ("Tidak tertampung dalam pagu indikatif Perangkat Daerah 2027.",),
}
CHANGE_VOLUME = ("Volume dikurangi dari {old} menjadi {new} {satuan} sesuai kesepakatan forum; sisa "
                 "ruas masih baik.")
CHANGE_PAGU = {
    "forum_pd": "Pagu disesuaikan dengan pagu indikatif Perangkat Daerah 2027.",
    "musrenbang_rkpd": "Pagu dikurangi 10% sesuai kesepakatan Musrenbang RKPD.",
}
SURVEY_CORRECTION = "Volume dikoreksi sesuai pengukuran di lapangan saat survei."
DANA_KELURAHAN = "Skala kecil: dikerjakan dengan Dana Kelurahan 2027 dan swadaya warga."
SCORE_REVISION = "Skor keterdesakan dinaikkan: lokasi banjir tiga kali selama Januari 2026."
NOT_FUNDED = "Tidak tertampung dalam KUA-PPAS 2027."
HANDOVER = "Bukan kewenangan dinas ini: {what} ditangani {agency}."
CHANGE_PRICE = "Harga satuan disesuaikan dengan standar harga (HSPK) Kota Medan 2027."

# ---- meetings (rapat) -----------------------------------------------------------------------

MEETING_PLACES = {
    "rembuk_warga": ("Rumah Kepala {unit}", "Musala {unit}", "Balai pertemuan {unit}",
                     "Posyandu {unit}"),
    "musrenbang_desa": ("Aula Kantor Lurah {nama}",),
    "musrenbang_kecamatan": ("Aula Kantor Camat {nama}",),
}
MINUTES = {
    "rembuk_warga": (
        "Rembuk Warga {unit} dibuka oleh Kepala Lingkungan pukul {jam} WIB dan dihadiri {hadir} "
        "warga, tokoh masyarakat dan kader posyandu. Warga menyampaikan permasalahan lingkungan; "
        "{n} usulan dicatat untuk disurvei dan dibawa ke Musrenbang Kelurahan."),
    "musrenbang_desa": (
        "Musrenbang {unit} dibuka oleh Lurah pukul {jam} WIB dan dihadiri {hadir} peserta: kepala "
        "lingkungan, LPM, tokoh agama, tokoh perempuan dan pemuda. Forum membahas {n} usulan, "
        "menetapkan urutan prioritas dan memilih tiga delegasi ke Musrenbang Kecamatan."),
    "musrenbang_kecamatan": (
        "Musrenbang {unit} dibuka oleh Camat pukul {jam} WIB dan dihadiri {hadir} peserta: delegasi "
        "kelurahan, perwakilan Perangkat Daerah, Bappeda dan anggota DPRD dapil. {n} usulan dinilai "
        "dengan kriteria skoring, diurutkan dan dipetakan ke Perangkat Daerah."),
}
#: How many came, by meeting: (fewest, most).
ATTENDANCE = {"rembuk_warga": (25, 60), "musrenbang_desa": (60, 120),
              "musrenbang_kecamatan": (110, 220)}
