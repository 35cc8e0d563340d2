/**
 * Indonesian naming traditions, enough to make records that look like the registers' own:
 * single-name Javanese elders, Sundanese Asep and Euis, Batak given name plus marga (children
 * take the father's), Balinese birth-order names with I/Ni, Bugis Andi and Sitti, Minang names
 * with an occasional suku, Chinese-Indonesian family names (and pre-1967 Hokkien names), and
 * Arabic-derived names with Muhammad/Siti and Hadrami family names. Names are upper case, as on
 * the KTP.
 */
import type { NameGroup } from './regions.js';
import type { Random } from './random.js';
import type { Sex } from './types.js';

const MODERN_MALE = ['RIZKY', 'FAJAR', 'ADITYA', 'DIMAS', 'RAKA', 'FARHAN', 'RAFI', 'ALIF', 'BIMA', 'ARKAN', 'DAFFA', 'NAUFAL', 'HAIKAL', 'ZIDAN', 'RAFFI', 'KEENAN', 'GILANG', 'RAFA', 'ARDIAN', 'YOGA'];
const MODERN_FEMALE = ['NAYLA', 'AISYAH', 'ZAHRA', 'KIRANA', 'SALSABILA', 'NABILA', 'AULIA', 'AZZAHRA', 'KHANSA', 'ALYA', 'ADINDA', 'KEISHA', 'SYIFA', 'NAURA', 'AMELIA', 'CANTIKA', 'ANINDYA', 'FEBRIANTI', 'PUTRI', 'DWI'];

interface GroupNames {
  male: string[];
  female: string[];
  maleSecond: string[];
  femaleSecond: string[];
  /** Single names of the generation born before about 1970. */
  elderMale?: string[];
  elderFemale?: string[];
  /** Family names carried from father to children. */
  family?: string[];
  muslim: boolean;
}

export const NAMES: Record<NameGroup, GroupNames> = {
  javanese: {
    male: ['AGUS', 'BAMBANG', 'BUDI', 'JOKO', 'SLAMET', 'SUGENG', 'WAHYU', 'EKO', 'DWI', 'HADI', 'HERU', 'BAYU', 'YUDI', 'TEGUH', 'WAWAN', 'RUDI', 'ADI', 'ARIS', 'PRIYO', 'BAGUS', 'GALIH', 'ARIF', 'YANTO', 'DANANG', 'HARYO', 'CAHYO'],
    female: ['SRI', 'ENDANG', 'WULAN', 'DEWI', 'RINA', 'TRI', 'RETNO', 'AYU', 'PUJI', 'YUNI', 'TUTIK', 'INDAH', 'DIAN', 'WIDYA', 'ANISA', 'FITRI', 'NUR', 'ENY', 'UMI', 'YULI', 'SUCI', 'RATNA'],
    maleSecond: ['SANTOSO', 'SUSANTO', 'WIBOWO', 'NUGROHO', 'PRASETYO', 'SETIAWAN', 'HIDAYAT', 'KURNIAWAN', 'SAPUTRA', 'PRATAMA', 'UTOMO', 'RAHARJO', 'SUSILO', 'PURWANTO', 'HARTONO', 'CAHYONO', 'WIDODO', 'SURYONO', 'FIRMANSYAH', 'SETYAWAN', 'JATMIKO', 'SUPRIYADI', 'SUHARTO'],
    femaleSecond: ['LESTARI', 'RAHAYU', 'WAHYUNI', 'HANDAYANI', 'WULANDARI', 'SUSANTI', 'PURWANTI', 'RAHMAWATI', 'KUSUMAWATI', 'SETYANINGSIH', 'ASTUTI', 'NINGSIH', 'PUSPITASARI', 'ANGGRAINI', 'PERTIWI', 'SAFITRI', 'UTAMI', 'YULIANI', 'MAHARANI', 'SULISTYOWATI'],
    elderMale: ['SUKARNO', 'PAIJO', 'PARMAN', 'TUKIJO', 'KARTO', 'PONIMAN', 'WAGIMAN', 'SUPARMAN', 'SUTRISNO', 'SUNARTO', 'SUKAMTO', 'SUYANTO', 'SUMARNO', 'JUMADI', 'SARIMIN', 'KASIMIN', 'SUJONO', 'MUJIONO'],
    elderFemale: ['SARMI', 'TUKIYEM', 'PAINEM', 'SUMIRAH', 'NGATINI', 'SUPARMI', 'SUMARNI', 'SUMIATI', 'SUHARTI', 'SULASTRI', 'KASIYAH', 'JUMINAH', 'SAMINEM', 'WAGINEM', 'SUWARNI', 'SUNARTI'],
    muslim: true,
  },
  sundanese: {
    male: ['ASEP', 'UJANG', 'DEDE', 'CECEP', 'DADANG', 'YAYAN', 'IWAN', 'ADE', 'AEP', 'ENGKOS', 'USEP', 'DEDEN', 'YANA', 'DEDI', 'ENCEP', 'JAJANG', 'MAMAT', 'AHMAD', 'HERI', 'AGUS', 'ENDANG', 'OMAN', 'YUDI'],
    female: ['EUIS', 'NENENG', 'IIS', 'ENENG', 'IMAS', 'CUCU', 'ENOK', 'YENI', 'LILIS', 'NINING', 'NENDEN', 'AI', 'TATI', 'ELIS', 'TITIN', 'ELA', 'WIWIN', 'RINA', 'YAYAH', 'EUTIK', 'DEDEH', 'NUNUNG'],
    maleSecond: ['SAEPUDIN', 'SUPRIATNA', 'SUTISNA', 'HIDAYAT', 'KURNIAWAN', 'PERMANA', 'SUHERMAN', 'RAHMAT', 'SUMANTRI', 'SETIAWAN', 'SOMANTRI', 'GUMILAR', 'NUGRAHA', 'SUKMANA', 'KUSNADI', 'RUHIYAT', 'SOBARI', 'MULYANA', 'SOLIHIN', 'WAHYUDIN'],
    femaleSecond: ['NURHAYATI', 'ROHIMAH', 'KURNIASIH', 'SUMARNI', 'KOMALASARI', 'SURYANI', 'ROSITA', 'HERAWATI', 'NURJANAH', 'MULYANI', 'KUSMIATI', 'HASANAH', 'SUKAESIH', 'SETIAWATI', 'MARLINA', 'RAHAYU', 'JUBAEDAH'],
    muslim: true,
  },
  batak: {
    male: ['TOGAR', 'POLTAK', 'PARULIAN', 'HOTMAN', 'MARTUA', 'BINSAR', 'SAHAT', 'TUMPAL', 'DANIEL', 'YOHANES', 'ANDREAS', 'ROBERT', 'JHONNY', 'RICARDO', 'BENNY', 'HENDRA', 'FERDINAND', 'ROY', 'BONAR', 'MARIHOT', 'RAJA', 'JONI', 'SAUT'],
    female: ['ROSMAWATI', 'TIURMA', 'ROTUA', 'LASMARIA', 'HOTMAULI', 'MARIA', 'RUTH', 'DEBORA', 'FRISKA', 'ELISABETH', 'SONDANG', 'ERNA', 'LAMRIA', 'KRISTINA', 'MAGDALENA', 'DAME', 'TIUR', 'SARMA', 'NURMAIDA', 'ROSDIANA'],
    maleSecond: [],
    femaleSecond: [],
    family: ['SIMANJUNTAK', 'SIREGAR', 'NASUTION', 'HUTAGALUNG', 'SITOMPUL', 'PARDEDE', 'SIHOMBING', 'LUBIS', 'HARAHAP', 'PANJAITAN', 'SITUMORANG', 'NAINGGOLAN', 'MANURUNG', 'SIMATUPANG', 'SINAGA', 'TAMBUNAN', 'HUTAPEA', 'NAPITUPULU', 'PASARIBU', 'SILALAHI', 'SITORUS', 'PURBA', 'GINTING', 'TARIGAN', 'SEMBIRING', 'HASIBUAN', 'SIMBOLON', 'MARPAUNG'],
    muslim: false,
  },
  minang: {
    male: ['AFRIZAL', 'ZULKIFLI', 'SYAFRIZAL', 'YUSRIZAL', 'HENDRI', 'ERIZAL', 'JASMAN', 'NASRUL', 'ZAINAL', 'DARMAWAN', 'RAHMAT', 'FADLI', 'IRWAN', 'TAUFIK', 'RUSLI', 'ASRIL', 'MUKHLIS', 'EDWAR', 'YASRIL', 'DESWANDI', 'ANDRI', 'FERDI'],
    female: ['YENNI', 'YUSNITA', 'DESMAWATI', 'FITRIANI', 'ROSNITA', 'NURHAYATI', 'YULIA', 'RAHMI', 'FITRI', 'ELVI', 'YANTI', 'ZURNI', 'NELLY', 'ERMAWATI', 'RAHMADANI', 'ELFIRA', 'MARDIAH', 'WIDIA', 'NOVITA', 'SUSI'],
    maleSecond: ['HIDAYAT', 'PUTRA', 'SYAHPUTRA', 'EFENDI', 'ANWAR', 'HAMDANI', 'SAPUTRA', 'AMRI', 'ZULFAHMI', 'HARDI', 'MARZUKI', 'ARIFIN'],
    femaleSecond: ['RAHMI', 'PUTRI', 'YENTI', 'SYAFITRI', 'ASMAR', 'WAHYUNI', 'ZULFIANI', 'HASANAH', 'YULIANTI', 'AZWAR', 'ELVINA'],
    family: ['CHANIAGO', 'PILIANG', 'KOTO', 'SIKUMBANG', 'TANJUNG', 'JAMBAK', 'GUCI', 'MANDAILIANG'],
    muslim: true,
  },
  bugis: {
    male: ['SYAMSUL', 'HASANUDDIN', 'ARIFUDDIN', 'BAHARUDDIN', 'JAMALUDDIN', 'SYARIFUDDIN', 'AMIRUDDIN', 'RIDWAN', 'IRFAN', 'ASRI', 'AKBAR', 'RUSDI', 'HAERUDDIN', 'KAMARUDDIN', 'MUSTAFA', 'SAHARUDDIN', 'ILHAM', 'RAHMAN', 'ASWAR', 'FIRMAN'],
    female: ['BESSE', 'NURHAYATI', 'HASNAH', 'NURLELA', 'DARMAWATI', 'HASMAWATI', 'ROSMINI', 'NURHAEDAH', 'HASRIANI', 'SUKMAWATI', 'RAHMATIA', 'NURJANNAH', 'WAHYUNI', 'MASNIAH', 'HADIJAH', 'SUHARNI', 'ASNIDAR', 'NURMIATI'],
    maleSecond: ['BAHRI', 'ALAM', 'AMIN', 'MAKKASAU', 'LATIF', 'RASYID', 'MAPPANGARA', 'TAHIR', 'SALEH', 'HAMZAH', 'SYAM', 'MUIN'],
    femaleSecond: ['NUR', 'SYAM', 'RAHMAN', 'LATIF', 'AMIN', 'HAFID', 'HAMZAH', 'SALEH'],
    elderMale: ['LA BAHARU', 'LA TANRI', 'LA MAKKA', 'LA SUDDING', 'LA MUDA'],
    elderFemale: ['WE TENRI', 'I BECCE', 'I NOMPO', 'I TAWANG', 'I SOMPA'],
    muslim: true,
  },
  balinese: {
    male: ['SUDARMA', 'SUARTANA', 'ARTAWAN', 'MERTAYASA', 'SUTRISNA', 'WIRAWAN', 'ADNYANA', 'BUDIARTA', 'SUARDANA', 'DARMAWAN', 'ASTAWA', 'WIDIANA', 'SUKADANA', 'PARWATA', 'ARSANA', 'EKA PUTRA', 'AGUS', 'SUPARTA', 'MAHENDRA', 'DARMA'],
    female: ['SRI ASTUTI', 'SUKARMI', 'ARIANI', 'AYU', 'WARTINI', 'SUCIATI', 'KARTINI', 'SUDIASIH', 'PURNAMI', 'YULIANI', 'SUARNI', 'BUDIASIH', 'ARTINI', 'LESTARI', 'PRADNYANI', 'SUMARTINI', 'WIDIASTUTI', 'DEWI'],
    maleSecond: [],
    femaleSecond: [],
    muslim: false,
  },
  chinese: {
    male: ['HENDRA', 'BUDI', 'HARTONO', 'SUSANTO', 'GUNAWAN', 'KEVIN', 'MICHAEL', 'VINCENT', 'STEVEN', 'CHRISTOPHER', 'JONATHAN', 'YOHANES', 'DANIEL', 'WILLIAM', 'HENDRIK', 'FELIX', 'ANDRE', 'FERRY', 'SUGIANTO', 'TJANDRA', 'DJOHAN', 'SOETANTO', 'ALBERT'],
    female: ['JESSICA', 'STEFANIE', 'FELICIA', 'CINDY', 'ANGELINE', 'JENNIFER', 'EVELYN', 'CYNTHIA', 'GRACE', 'VIVIAN', 'LILY', 'LISA', 'LINDA', 'SUSAN', 'YENNY', 'MELIANA', 'FRANSISKA', 'YULIA', 'HERLINA', 'MEILINDA', 'SHERLY'],
    maleSecond: [],
    femaleSecond: [],
    family: ['WIJAYA', 'TANOTO', 'HALIM', 'SALIM', 'GUNAWAN', 'SANTOSO', 'HARTONO', 'TANUWIDJAJA', 'KURNIAWAN', 'SUSANTO', 'SETIAWAN', 'LIM', 'TAN', 'SUTANTO', 'KUSUMA', 'WIDJAJA', 'TJAHJADI', 'HADINATA', 'LIMANTARA', 'TANUJAYA', 'WIBISONO', 'CHANDRA', 'LUKITO', 'HERMAWAN', 'LIE'],
    elderMale: ['TAN SOEI HOK', 'LIM SWIE HONG', 'OEY KIM LIANG', 'THE TJOE HIN', 'KWEE BOEN SENG', 'LIE TJENG HOK', 'GO TIK SWAN'],
    elderFemale: ['TAN SIOK LAN', 'LIM GIOK NIO', 'OEY LAN NIO', 'KHO SWAN NIO', 'LIE HONG LIAN', 'THE KIM NIO'],
    muslim: false,
  },
  arabic: {
    male: ['AHMAD', 'ABDUL RAHMAN', 'ABDULLAH', 'FAUZI', 'RIZKI', 'ISKANDAR', 'HUSEIN', 'HASAN', 'UMAR', 'ALI', 'YUSUF', 'IBRAHIM', 'ISMAIL', 'ZULFIKAR', 'KHAIRUL', 'SYAHRUL', 'NASRULLAH', 'MUNAWAR', 'SAIFUL', 'TEUKU RAHMAT', 'TEUKU FAISAL', 'HAMID'],
    female: ['AISYAH', 'FATIMAH', 'KHADIJAH', 'ZAINAB', 'MARYAM', 'HALIMAH', 'RAHMAH', 'NURUL', 'SYARIFAH', 'CUT NYAK', 'RAUDHAH', 'ZAKIAH', 'UMMI', 'SALMA', 'NADIA', 'CUT MUTIA', 'NURAINI', 'ROSNAH'],
    maleSecond: ['HIDAYAT', 'RAHMAN', 'FAUZAN', 'RAMADHAN', 'HAKIM', 'MAULANA', 'SYAHPUTRA', 'AZHARI', 'MUNANDAR', 'IDRIS', 'ZAKARIA', 'HUSAINI', 'USMAN'],
    femaleSecond: ['RAHMAWATI', 'NURAINI', 'HASANAH', 'AMINAH', 'ZAHRA', 'SYAFITRI', 'AZIZAH', 'MARDHIYAH', 'RAHMI', 'KHAIRUNNISA', 'HAYATI', 'MUTHMAINNAH'],
    family: ['ASSEGAF', 'ALATAS', 'ALAYDRUS', 'BASWEDAN', 'BAHASUAN', 'ALHABSYI', 'BAFADAL', 'SHAHAB'],
    muslim: true,
  },
};

const MUSLIM_BATAK_MARGA = new Set(['NASUTION', 'LUBIS', 'HARAHAP', 'SIREGAR', 'HASIBUAN']);
const BALINESE_ORDER_MALE = [['WAYAN', 'PUTU', 'GEDE'], ['MADE', 'KADEK', 'NENGAH'], ['NYOMAN', 'KOMANG'], ['KETUT']];
const BALINESE_ORDER_FEMALE = [['WAYAN', 'PUTU', 'LUH'], ['MADE', 'KADEK', 'NENGAH'], ['NYOMAN', 'KOMANG'], ['KETUT']];

/** What a family passes to its members' names and faith. */
export interface FamilyNaming {
  group: NameGroup;
  /** The father's family name, for groups that carry one (marga, Chinese or Hadrami surname). */
  familyName: string | null;
  religion: string;
}

export function familyNaming(random: Random, group: NameGroup): FamilyNaming {
  const names = NAMES[group];
  let familyName: string | null = null;
  if (group === 'batak' || group === 'chinese') familyName = random.pick(names.family ?? []);
  else if (group === 'arabic' && random.chance(0.12)) familyName = random.pick(names.family ?? []);
  return { group, familyName, religion: religionFor(random, group, familyName) };
}

function religionFor(random: Random, group: NameGroup, familyName: string | null): string {
  switch (group) {
    case 'batak':
      return familyName && MUSLIM_BATAK_MARGA.has(familyName) && random.chance(0.8) ? 'ISLAM' : random.chance(0.72) ? 'KRISTEN' : 'KATOLIK';
    case 'balinese':
      return random.chance(0.96) ? 'HINDU' : 'KRISTEN';
    case 'chinese':
      return random.weighted({ BUDDHA: 38, KRISTEN: 30, KATOLIK: 20, KONGHUCU: 8, ISLAM: 4 });
    case 'javanese':
      return random.weighted({ ISLAM: 90, KRISTEN: 5, KATOLIK: 4, 'KEPERCAYAAN TERHADAP TUHAN YME': 1 });
    default:
      return random.chance(0.98) ? 'ISLAM' : 'KRISTEN';
  }
}

export interface NameRequest {
  sex: Sex;
  birthYear: number;
  /** The member's family name: the father's for children; own marga for wives. */
  familyName: string | null;
  /** 1 for the first child, 2 for the second…: Balinese names follow it. */
  birthOrder: number;
  religion: string;
}

/** Builds an upper-case full name in the naming tradition of `group`. */
export function personName(random: Random, group: NameGroup, request: NameRequest): string {
  const names = NAMES[group];
  const male = request.sex === 'L';
  const young = request.birthYear >= 2000;
  const elder = request.birthYear < 1970;
  const islamic = request.religion === 'ISLAM';

  switch (group) {
    case 'batak': {
      const marga = request.familyName ?? random.pick(names.family ?? []);
      const first = islamic && random.chance(0.5) ? random.pick(male ? ['AHMAD', 'MUHAMMAD', 'RIZAL', 'SYAHRIAL'] : ['SITI', 'NURHASANAH', 'RAHMADANI', 'NURMAIDA']) : givenName(random, names, male, young);
      // Women are written with "BR" (boru) before the marga on many older cards.
      return male ? `${first} ${marga}` : `${first} ${random.chance(0.4) ? 'BR ' : ''}${marga}`;
    }
    case 'balinese': {
      const orders = male ? BALINESE_ORDER_MALE : BALINESE_ORDER_FEMALE;
      const order = random.pick(orders[(Math.max(1, request.birthOrder) - 1) % 4] as string[]);
      if (random.chance(0.06)) {
        const title = random.pick(male ? ['I GUSTI NGURAH', 'IDA BAGUS', 'ANAK AGUNG GEDE', 'COKORDA'] : ['I GUSTI AYU', 'IDA AYU', 'ANAK AGUNG AYU']);
        return `${title} ${random.pick(male ? names.male : names.female)}`;
      }
      return `${male ? 'I' : 'NI'} ${order} ${random.pick(male ? names.male : names.female)}`;
    }
    case 'chinese': {
      if (elder && random.chance(0.45)) return random.pick(male ? names.elderMale ?? [] : names.elderFemale ?? []);
      const family = request.familyName ?? random.pick(names.family ?? []);
      const first = givenName(random, names, male, young);
      return random.chance(0.8) ? `${first} ${family}` : first;
    }
    default:
      return commonName(random, group, request, young, islamic, elder);
  }
}

function givenName(random: Random, names: GroupNames, male: boolean, young: boolean): string {
  return young && random.chance(0.35) ? random.pick(male ? MODERN_MALE : MODERN_FEMALE) : random.pick(male ? names.male : names.female);
}

function commonName(random: Random, group: NameGroup, request: NameRequest, young: boolean, islamic: boolean, elder: boolean): string {
  const names = NAMES[group];
  const male = request.sex === 'L';
  const given = givenName(random, names, male, young);
  const elderList = male ? names.elderMale : names.elderFemale;
  if (elder && elderList && random.chance(group === 'javanese' ? 0.55 : 0.3)) return random.pick(elderList);
  // Single names are common for Javanese and Bugis of every generation.
  if ((group === 'javanese' || group === 'bugis') && random.chance(0.15)) return given;
  const second = random.pick(male ? names.maleSecond : names.femaleSecond);
  let name = `${given} ${second}`;
  if (group === 'arabic' && request.familyName) name = `${given} ${request.familyName}`;
  if (group === 'minang' && random.chance(0.15)) name = `${given} ${random.pick(names.family ?? [])}`;
  if (group === 'bugis' && random.chance(0.12)) name = `ANDI ${name}`;
  if (islamic) {
    const prefix = male ? (random.chance(0.14) ? 'MUHAMMAD' : null) : random.chance(0.12) ? (group === 'bugis' ? 'SITTI' : 'SITI') : null;
    if (prefix) {
      const tail = group === 'arabic' && request.familyName ? request.familyName : second;
      const form = random.weighted({ given: 40, full: 35, second: 25 });
      name = form === 'given' ? `${prefix} ${given}` : form === 'full' ? `${prefix} ${given} ${tail}` : `${prefix} ${tail}`;
    }
  }
  return name;
}

/** Places of birth per tradition, for people born away from where they now live. */
export const BIRTH_PLACES: Record<NameGroup, string[]> = {
  javanese: ['KLATEN', 'BOYOLALI', 'WONOGIRI', 'SURAKARTA', 'SEMARANG', 'KEDIRI', 'MADIUN', 'BLITAR', 'YOGYAKARTA', 'BANTUL', 'PURWOREJO', 'TULUNGAGUNG', 'PEKALONGAN', 'TEGAL'],
  sundanese: ['BANDUNG', 'GARUT', 'TASIKMALAYA', 'CIAMIS', 'SUMEDANG', 'CIANJUR', 'SUKABUMI', 'BOGOR', 'KUNINGAN', 'MAJALENGKA'],
  batak: ['TARUTUNG', 'BALIGE', 'SIBOLGA', 'PEMATANGSIANTAR', 'MEDAN', 'PADANGSIDIMPUAN', 'KABANJAHE', 'PORSEA'],
  minang: ['PADANG', 'BUKITTINGGI', 'PAYAKUMBUH', 'SOLOK', 'PARIAMAN', 'BATUSANGKAR', 'PADANG PANJANG'],
  bugis: ['WATAMPONE', 'SENGKANG', 'WATANSOPPENG', 'SIDRAP', 'MAKASSAR', 'PAREPARE', 'PINRANG'],
  balinese: ['DENPASAR', 'GIANYAR', 'TABANAN', 'SINGARAJA', 'KLUNGKUNG', 'KARANGASEM', 'BANGLI'],
  chinese: ['JAKARTA', 'MEDAN', 'PONTIANAK', 'SINGKAWANG', 'SEMARANG', 'SURABAYA', 'BAGANSIAPIAPI', 'PANGKALPINANG'],
  arabic: ['BANDA ACEH', 'SIGLI', 'BIREUEN', 'LHOKSEUMAWE', 'JAKARTA', 'PEKALONGAN', 'GRESIK', 'PONTIANAK'],
};
