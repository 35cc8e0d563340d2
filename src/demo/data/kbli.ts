/**
 * A small table of KBLI 2020 activity codes (Klasifikasi Baku Lapangan Usaha Indonesia) with
 * the risk level the risk-based licensing regime gives a micro or small business in each. The
 * titles are KBLI's; the risk levels are illustrative of PP 5/2021, not a legal reference.
 */
import type { KbliEntry } from './types.js';

export const KBLI: readonly KbliEntry[] = [
  { code: '01111', title: 'Pertanian Jagung', sector: 'Pertanian', riskLevel: 'RENDAH' },
  { code: '01131', title: 'Pertanian Hortikultura Sayuran Daun', sector: 'Pertanian', riskLevel: 'RENDAH' },
  { code: '01411', title: 'Pembibitan dan Budi Daya Sapi Potong', sector: 'Pertanian', riskLevel: 'MENENGAH_RENDAH' },
  { code: '03111', title: 'Penangkapan Ikan di Laut', sector: 'Kelautan dan Perikanan', riskLevel: 'MENENGAH_RENDAH' },
  { code: '10710', title: 'Industri Produk Roti dan Kue', sector: 'Perindustrian', riskLevel: 'MENENGAH_RENDAH' },
  { code: '10794', title: 'Industri Kerupuk, Keripik, Peyek dan Sejenisnya', sector: 'Perindustrian', riskLevel: 'RENDAH' },
  { code: '14111', title: 'Industri Pakaian Jadi (Konveksi) dari Tekstil', sector: 'Perindustrian', riskLevel: 'RENDAH' },
  { code: '16299', title: 'Industri Barang dari Kayu, Rotan, Gabus Lainnya', sector: 'Perindustrian', riskLevel: 'RENDAH' },
  { code: '20232', title: 'Industri Kosmetik, termasuk Pasta Gigi', sector: 'Perindustrian', riskLevel: 'TINGGI' },
  { code: '31001', title: 'Industri Furnitur dari Kayu', sector: 'Perindustrian', riskLevel: 'MENENGAH_RENDAH' },
  { code: '41011', title: 'Konstruksi Gedung Hunian', sector: 'Pekerjaan Umum', riskLevel: 'MENENGAH_TINGGI' },
  { code: '45201', title: 'Reparasi dan Perawatan Mobil', sector: 'Perdagangan', riskLevel: 'MENENGAH_RENDAH' },
  { code: '45407', title: 'Reparasi dan Perawatan Sepeda Motor', sector: 'Perdagangan', riskLevel: 'RENDAH' },
  { code: '47111', title: 'Perdagangan Eceran Berbagai Macam Barang yang Utamanya Makanan, Minuman atau Tembakau di Minimarket', sector: 'Perdagangan', riskLevel: 'MENENGAH_RENDAH' },
  { code: '47119', title: 'Perdagangan Eceran Berbagai Macam Barang yang Utamanya Makanan, Minuman atau Tembakau Lainnya', sector: 'Perdagangan', riskLevel: 'RENDAH' },
  { code: '47241', title: 'Perdagangan Eceran Roti, Kue Kering serta Kue Basah dan Sejenisnya', sector: 'Perdagangan', riskLevel: 'RENDAH' },
  { code: '47711', title: 'Perdagangan Eceran Pakaian', sector: 'Perdagangan', riskLevel: 'RENDAH' },
  { code: '47721', title: 'Perdagangan Eceran Barang Farmasi di Apotek', sector: 'Kesehatan', riskLevel: 'TINGGI' },
  { code: '47911', title: 'Perdagangan Eceran melalui Media untuk Komoditi Makanan, Minuman, Tembakau, Kimia, Farmasi, Kosmetik dan Alat Laboratorium', sector: 'Perdagangan', riskLevel: 'RENDAH' },
  { code: '47912', title: 'Perdagangan Eceran melalui Media untuk Komoditi Tekstil, Pakaian, Alas Kaki dan Barang Keperluan Pribadi', sector: 'Perdagangan', riskLevel: 'RENDAH' },
  { code: '55130', title: 'Pondok Wisata', sector: 'Pariwisata', riskLevel: 'MENENGAH_RENDAH' },
  { code: '56101', title: 'Restoran', sector: 'Pariwisata', riskLevel: 'RENDAH' },
  { code: '56103', title: 'Kedai Makanan', sector: 'Pariwisata', riskLevel: 'RENDAH' },
  { code: '56104', title: 'Penyediaan Makanan Keliling/Tempat Tidak Tetap', sector: 'Pariwisata', riskLevel: 'RENDAH' },
  { code: '56303', title: 'Rumah Minum/Kafe', sector: 'Pariwisata', riskLevel: 'RENDAH' },
  { code: '62019', title: 'Aktivitas Pemrograman Komputer Lainnya', sector: 'Komunikasi dan Informatika', riskLevel: 'RENDAH' },
  { code: '74201', title: 'Aktivitas Fotografi', sector: 'Ekonomi Kreatif', riskLevel: 'RENDAH' },
  { code: '85499', title: 'Pendidikan Lainnya Swasta (Bimbingan Belajar)', sector: 'Pendidikan', riskLevel: 'MENENGAH_RENDAH' },
  { code: '86901', title: 'Aktivitas Pelayanan Kesehatan oleh Tenaga Kesehatan selain Dokter dan Dokter Gigi', sector: 'Kesehatan', riskLevel: 'MENENGAH_TINGGI' },
  { code: '96011', title: 'Aktivitas Binatu', sector: 'Perdagangan', riskLevel: 'RENDAH' },
  { code: '96021', title: 'Aktivitas Pangkas Rambut', sector: 'Perdagangan', riskLevel: 'RENDAH' },
  { code: '96022', title: 'Aktivitas Salon Kecantikan', sector: 'Perdagangan', riskLevel: 'RENDAH' },
];

export const RISK_ORDER = ['RENDAH', 'MENENGAH_RENDAH', 'MENENGAH_TINGGI', 'TINGGI'] as const;

/** The highest risk among a business's activities decides what it needs. */
export function highestRisk(levels: readonly KbliEntry['riskLevel'][]): KbliEntry['riskLevel'] {
  let max = 0;
  for (const level of levels) max = Math.max(max, RISK_ORDER.indexOf(level));
  return RISK_ORDER[max] as KbliEntry['riskLevel'];
}
