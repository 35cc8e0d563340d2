/**
 * The licensing agency's copy (OSS style): businesses with a 13-digit NIB, KBLI activities,
 * the owner's NIK and name, scale, risk level and the permits issued. Owners typed their own
 * data: NIKs with a slipped digit, names written their way; some owners registered the same
 * business twice; and a business stays active after its owner has died.
 */
import { ageOn, dayOf, isoDay, yearOf } from './dates.js';
import { KBLI, highestRisk } from './kbli.js';
import { INCONSISTENCY_RATES, type CopyContext } from './ledger.js';
import type { Resident } from './population.js';
import type { Random } from './random.js';
import { mistypeNik, nameVariant } from './variants.js';
import type { Business, KbliEntry, Permit } from './types.js';

const RATES = INCONSISTENCY_RATES.LICENSING;
/** OSS risk-based licensing started issuing NIBs on this day. */
const OSS_RBA_START = '2021-08-09';
const WORDS = ['BERKAH', 'SUMBER REJEKI', 'MAJU JAYA', 'SEJAHTERA', 'BAROKAH', 'LANCAR JAYA', 'MANDIRI', 'HARAPAN BARU', 'AMANAH', 'SINAR ABADI', 'CAHAYA', 'SETIA', 'RAHAYU', 'SENTOSA', 'MULIA'];

// How people name a business in each line of activity; {W} a lucky word, {N} the owner's first name.
const NAME_PATTERNS: Record<string, string[]> = {
  '47119': ['TOKO {W}', 'WARUNG {N}', 'TOKO KELONTONG {W}'],
  '47111': ['MINIMARKET {W}'],
  '56101': ['RUMAH MAKAN {W}', 'WARUNG MAKAN BU {N}', 'RM {W}'],
  '56103': ['WARUNG {N}', 'KEDAI {W}', 'BAKSO {N}'],
  '56104': ['GEROBAK {N}', 'MARTABAK {W}', 'SATE {N}'],
  '56303': ['KEDAI KOPI {W}', 'KAFE {W}'],
  '10710': ['ROTI {W}', 'BAKERY {N}'],
  '10794': ['KERIPIK {W}', 'KERUPUK {N}'],
  '47241': ['KUE {N}', 'TOKO KUE {W}'],
  '47711': ['BUTIK {N}', 'TOKO PAKAIAN {W}'],
  '47911': ['{N} SNACK ONLINE', 'TOKO ONLINE {W}'],
  '47912': ['{N} FASHION ONLINE', 'OLSHOP {W}'],
  '14111': ['KONVEKSI {W}', 'JAHIT {N}'],
  '45407': ['BENGKEL MOTOR {W}', 'BENGKEL {N}'],
  '45201': ['BENGKEL MOBIL {W}'],
  '96011': ['LAUNDRY {W}', '{N} LAUNDRY'],
  '96021': ['PANGKAS RAMBUT {W}', 'BARBERSHOP {N}'],
  '96022': ['SALON {N}', 'SALON {W}'],
  '62019': ['{N} DIGITAL', 'KODE {W}'],
  '74201': ['{N} FOTO', 'STUDIO FOTO {W}'],
  '85499': ['BIMBEL {W}', 'LES PRIVAT {N}'],
};
const ROUGH = { '47119': 22, '56103': 10, '56101': 6, '56104': 6, '47911': 6, '47912': 5, '96011': 5, '45407': 5, '10794': 4, '10710': 3, '47241': 3, '47711': 4, '14111': 3, '96022': 3, '96021': 2, '56303': 3, '01111': 3, '01131': 2, '03111': 1, '01411': 1, '31001': 1, '16299': 1, '45201': 1, '47111': 1, '62019': 1, '74201': 1, '85499': 1, '55130': 1, '41011': 0.5, '47721': 0.3, '86901': 0.3, '20232': 0.2 };

function ownerChance(occupation: string): number {
  if (occupation === 'WIRASWASTA' || occupation === 'PEDAGANG') return 0.3;
  if (occupation === 'PETANI/PEKEBUN' || occupation === 'NELAYAN/PERIKANAN') return 0.05;
  if (occupation === 'MENGURUS RUMAH TANGGA') return 0.04;
  return 0.015;
}

export function copyToLicensing({ random, population, ledger, showcase, referenceDate }: CopyContext): { kbli: KbliEntry[]; businesses: Business[] } {
  const kbliByCode = new Map(KBLI.map((k) => [k.code, k]));
  const niks = new Set(population.persons.map((p) => p.nik));
  const nibSerials = new Map<string, number>();
  const permitSerial = { value: 0 };
  const businesses: Business[] = [];
  const reference = dayOf(referenceDate);
  const start = dayOf(OSS_RBA_START);

  const newNib = (issued: number) => {
    const yy = String(yearOf(issued)).slice(2);
    const next = (nibSerials.get(yy) ?? 0) + 1;
    nibSerials.set(yy, next);
    // 13 digits: a scheme marker, the year of issue and a serial.
    return `91${yy}${String(next * 7919 % 1_000_000_000).padStart(9, '0')}`;
  };

  for (const r of population.residents) {
    const p = r.person;
    const isShowcase = r === showcase;
    if (!isShowcase && !random.chance(ownerChance(p.occupation))) continue;
    const adultFrom = dayOf(p.birthDate) + (isShowcase ? 17 : 21) * 366;
    const until = p.deathDate ? dayOf(p.deathDate) - 30 : reference - 1;
    const from = Math.max(start, adultFrom);
    if (from > until) continue;
    const issued = isShowcase ? Math.max(from, reference - 120) : random.int(from, until);
    const code = isShowcase ? '47911' : random.weighted(ROUGH);
    const codes = [code];
    if (!isShowcase && random.chance(0.25)) {
      const extra = random.weighted(ROUGH);
      if (extra !== code) codes.push(extra);
    }
    const business = businessFor(random, r, codes.map((c) => kbliByCode.get(c) as KbliEntry), issued, newNib(issued), permitSerial);
    ledger.link('LICENSING', business.nib, p.nik);
    if (p.deathDate !== null && business.status === 'AKTIF') ledger.note('LICENSING', business.nib, 'deceased_still_active', p.nik, 'deathDate', p.deathDate, null);
    if (!isShowcase && random.chance(RATES.nik_mistyped)) {
      let wrong = mistypeNik(random, p.nik);
      while (niks.has(wrong)) wrong = mistypeNik(random, p.nik);
      business.ownerNik = wrong;
      ledger.note('LICENSING', business.nib, 'nik_mistyped', p.nik, 'nik', p.nik, wrong);
    }
    if (!isShowcase && random.chance(RATES.name_variant)) {
      business.ownerName = nameVariant(random, p.fullName);
      ledger.note('LICENSING', business.nib, 'name_variant', p.nik, 'fullName', p.fullName, business.ownerName);
    }
    businesses.push(business);
    if (!isShowcase && random.chance(RATES.duplicate) && issued + 30 < until) {
      // Registered again, months later, by an owner who lost the first NIB.
      const again = random.int(issued + 30, until);
      const dup: Business = { ...structuredClone(business), nib: newNib(again), issuedAt: isoDay(again), ownerNik: p.nik };
      dup.permits = [{ type: 'NIB', number: dup.nib, issuedAt: dup.issuedAt, status: 'BERLAKU' }];
      ledger.link('LICENSING', dup.nib, p.nik);
      ledger.note('LICENSING', dup.nib, 'duplicate', p.nik, 'nib', business.nib, dup.nib);
      if (p.deathDate !== null) ledger.note('LICENSING', dup.nib, 'deceased_still_active', p.nik, 'deathDate', p.deathDate, null);
      businesses.push(dup);
    }
  }
  return { kbli: [...KBLI], businesses };
}

function businessFor(random: Random, r: Resident, kbli: KbliEntry[], issued: number, nib: string, permitSerial: { value: number }): Business {
  const p = r.person;
  const main = kbli[0] as KbliEntry;
  const first = p.fullName.split(' ').find((w) => !['I', 'NI', 'SITI', 'SITTI', 'MUHAMMAD', 'ANDI', 'BR'].includes(w) && w.length > 2) ?? p.fullName;
  const pattern = random.pick(NAME_PATTERNS[main.code] ?? [`UD ${main.title.split(' ')[0]?.toUpperCase()} {W}`]);
  const riskLevel = highestRisk(kbli.map((k) => k.riskLevel));
  const scale = random.weighted({ MIKRO: 88, KECIL: 10, MENENGAH: 2 });
  const investment = scale === 'MIKRO' ? random.int(5, 900) * 1_000_000 : scale === 'KECIL' ? random.int(1_000, 4_900) * 1_000_000 : random.int(5_000, 9_900) * 1_000_000;
  const issuedAt = isoDay(issued);
  const ageAtIssue = ageOn(p.birthDate, issuedAt);
  const permits: Permit[] = [{ type: 'NIB', number: nib, issuedAt, status: 'BERLAKU' }];
  const nextNumber = (prefix: string) => `${prefix}/${String(++permitSerial.value).padStart(6, '0')}/${issuedAt.slice(0, 4)}`;
  if (riskLevel === 'MENENGAH_RENDAH') permits.push({ type: 'SERTIFIKAT_STANDAR', number: nextNumber('SS'), issuedAt, status: 'BERLAKU' });
  if (riskLevel === 'MENENGAH_TINGGI') permits.push({ type: 'SERTIFIKAT_STANDAR', number: nextNumber('SS'), issuedAt, status: random.chance(0.2) ? 'MENUNGGU_VERIFIKASI' : 'BERLAKU' });
  if (riskLevel === 'TINGGI') permits.push({ type: 'IZIN', number: nextNumber('IZ'), issuedAt, status: random.chance(0.25) ? 'MENUNGGU_VERIFIKASI' : 'BERLAKU' });
  if (main.code.startsWith('10') && scale === 'MIKRO') permits.push({ type: 'SPP_IRT', number: `P-IRT ${random.digits(15)}`, issuedAt, status: 'BERLAKU' });
  if ((main.code.startsWith('10') || main.code.startsWith('56')) && random.chance(0.4)) permits.push({ type: 'SERTIFIKAT_HALAL', number: `ID${r.place.regency.provinceCode}${random.digits(12)}`, issuedAt, status: 'BERLAKU' });
  return {
    nib,
    businessName: pattern.replace('{W}', random.pick(WORDS)).replace('{N}', first),
    legalForm: ageAtIssue < 21 ? 'PERORANGAN' : random.weighted({ PERORANGAN: 80, CV: 9, UD: 6, PT: 5 }),
    ownerNik: p.nik,
    ownerName: p.fullName,
    scale,
    kbli: kbli.map((k) => k.code),
    riskLevel,
    investment,
    employees: scale === 'MIKRO' ? random.int(0, 4) : scale === 'KECIL' ? random.int(5, 19) : random.int(20, 99),
    address: { ...(random.chance(0.7) ? p.address : { ...p.address, street: `JL. ${random.pick(['PASAR BARU', 'RAYA', 'PEMUDA', 'MERDEKA', 'PAHLAWAN'])} NO. ${random.int(1, 200)}` }) },
    issuedAt,
    status: random.chance(0.03) ? 'DICABUT' : 'AKTIF',
    permits,
  };
}
