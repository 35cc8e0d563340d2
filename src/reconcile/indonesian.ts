/**
 * Indonesian domain knowledge the matcher needs, kept as data so that reviewers can read and
 * extend it without touching SQL: titles and honorifics, academic degrees, spelling variants
 * of common names, address abbreviations, RT/RW forms and sex codes.
 *
 * Every list here is turned into RE2 patterns (DuckDB's regex engine) by `normalize-sql.ts`;
 * entries are lower-case, without dots, and contain only [a-z ] unless noted.
 */

/**
 * Titles written before a name: religious (H./Hj. for those who made the hajj, K.H., Ustadz),
 * academic/professional (Prof., Dr., Drs., Ir.), nobility (Raden, R., R.Ay.) and forms of
 * address (Bpk., Ibu, Ny., Sdr.). Removed only at the start of a name, repeatedly.
 */
export const NAME_PREFIX_TITLES = [
  'prof', 'dr', 'drs', 'dra', 'drg', 'ir', 'h', 'hj', 'haji', 'hajjah', 'kh', 'k h', 'ust', 'ustad', 'ustadz', 'ustadzah',
  'habib', 'raden', 'r', 'rr', 'r ay', 'ny', 'nn', 'tn', 'tuan', 'nyonya', 'sdr', 'sdri', 'bpk', 'bp', 'bapak', 'ibu', 'almarhum', 'alm', 'almh',
] as const;

/**
 * Academic degrees written after a name (S.H., S.Pd., M.Kom., A.Md., M.Sc., …), as the letters
 * that follow the degree level. `s` (sarjana), `m` (magister), `d` (doktor/diploma), `a`
 * (ahli) and `b` (bachelor) combine with these: S.Pd, M.Pd, S.H, M.H, A.Md, S.Kom, B.Sc, …
 */
export const DEGREE_SUFFIXES = [
  'pd', 'pdi', 'h', 'hum', 'e', 'ei', 'ak', 'kom', 'ikom', 't', 'si', 'sos', 'ip', 'psi', 'farm', 'ked', 'kes', 'kep', 'gz', 'pt', 'p', 'ag',
  'sn', 'ars', 'hut', 'pi', 'tp', 'ti', 'm', 'mb', 'md', 'kn', 'th', 'fil', 'stat', 'ds', 'tr', 'e i', 'i kom', 'sy', 'hi', 'pd i', 'kg', 'keb', 'ft', 'ab',
  'sc', 'a', 'eng', 'ba', 'si', 'ph d',
] as const;

/**
 * Degrees written as one word, or without dots ("Budi, SH"). Only removed after a comma, since
 * "St" opening a name is Siti.
 */
export const DEGREE_WORDS = ['phd', 'ph d', 'mba', 'msc', 'bsc', 'ma', 'amd', 'llm', 'mph', 'spog', 'sp og', 'spa', 'sp a', 'sppd', 'sp pd', 'mars', 'mkes', 'mm', 'mt', 'mh', 'mpd', 'se', 'sh', 'spd', 'st', 'skom', 'ssos'] as const;

/**
 * Spelling variants collapsed to one canonical token. Patterns are RE2 over lower-case
 * tokens without punctuation; they are anchored to whole words by the caller.
 */
export const NAME_VARIANTS: ReadonlyArray<readonly [pattern: string, canonical: string]> = [
  // Muhammad, Muhamad, Mohammad, Mohamad, Mochammad, Muchamad, Mohamed, Muhammed, Mukhammad, …
  ['m[ou](?:c?h|kh)?amm?[ae][dt]', 'muhammad'],
  // Ahmad, Achmad, Akhmad, Ahmat, Achmat.
  ['a(?:c?h|kh)ma[dt]', 'ahmad'],
  ['abd', 'abdul'],
  ['sitti', 'siti'],
  ['no{1,2}r', 'nur'],
];

/**
 * Abbreviations that stand for a whole first name when they open a name: "M. Rizki" is
 * "Muhammad Rizki", "St. Aminah" is "Siti Aminah".
 */
export const LEADING_NAME_ABBREVIATIONS: ReadonlyArray<readonly [abbreviations: readonly string[], canonical: string]> = [
  [['m', 'mu', 'muh', 'moh', 'mhd', 'mhmd', 'moch', 'mochd', 'mohd', 'mch', 'md', 'mhm'], 'muhammad'],
  [['st', 'sti'], 'siti'],
];

/**
 * Pre-1972 spelling (Ejaan Soewandi and earlier) still found in older records and in the
 * names people keep: Soekarno/Sukarno, Djoko/Joko, Tjahjo/Cahyo, Sjahrir/Syahrir.
 */
export const OLD_SPELLING: ReadonlyArray<readonly [old: string, current: string]> = [
  ['oe', 'u'],
  ['dj', 'j'],
  ['tj', 'c'],
  ['sj', 'sy'],
  ['nj', 'ny'],
];

/**
 * Address words and their abbreviations; each abbreviation is replaced by the full word so
 * that "Jl. Merdeka" and "Jalan Merdeka" agree. English forms serve foreign-format data.
 */
export const ADDRESS_ABBREVIATIONS: ReadonlyArray<readonly [abbreviations: readonly string[], word: string]> = [
  [['jl', 'jln', 'jaln', 'jalan'], 'jalan'],
  [['gg', 'gang'], 'gang'],
  [['no', 'nomor', 'nomer', 'nmr', 'nr'], 'no'],
  [['kel', 'kelurahan', 'kelu'], 'kelurahan'],
  [['kec', 'kecamatan'], 'kecamatan'],
  [['kab', 'kabupaten'], 'kabupaten'],
  [['ds', 'desa'], 'desa'],
  [['dsn', 'dusun'], 'dusun'],
  [['kp', 'kmp', 'kpg', 'kampung'], 'kampung'],
  [['perum', 'perumahan'], 'perumahan'],
  [['komp', 'kompl', 'komplek', 'kompleks'], 'kompleks'],
  [['blk', 'blok'], 'blok'],
  [['st', 'str', 'street'], 'street'],
  [['rd', 'road'], 'road'],
  [['ave', 'av', 'avenue'], 'avenue'],
];

/** Words that name an administrative level rather than a place: "Kota Bandung" is "Bandung". */
export const PLACE_PREFIXES = [
  'kota', 'kab', 'kabupaten', 'kec', 'kecamatan', 'kel', 'kelurahan', 'desa', 'ds', 'prov', 'provinsi', 'propinsi',
  'dki', 'd k i', 'di', 'd i', 'daerah istimewa', 'daerah khusus ibukota', 'daerah khusus',
] as const;

/** Sex codes seen in agency files, upper-cased with spaces and dashes removed. */
export const SEX_CODES = {
  L: ['L', 'LK', 'LAKI', 'LAKILAKI', 'PRIA', 'M', 'MALE', 'MAN', 'J', 'JANTAN', '1'],
  P: ['P', 'PR', 'PEREMPUAN', 'WANITA', 'W', 'F', 'FEMALE', 'WOMAN', '2'],
} as const;

/** Date formats recognised without being told, in the order tried (strptime syntax). */
export const DATE_FORMATS = ['%Y-%m-%d', '%Y%m%d', '%d/%m/%Y', '%d-%m-%Y', '%Y/%m/%d', '%d.%m.%Y', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S'] as const;
