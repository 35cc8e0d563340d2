/**
 * Which agency answers which kind of complaint. The categories follow LAPOR!'s main topics
 * for the agencies of the demo federation; a deployment passes its own table.
 */
import type { MemberId } from '../../core/ids.js';

export interface ComplaintCategory {
  code: string;
  agency: MemberId;
  label: { id: string; en: string };
}

export const DEFAULT_COMPLAINT_CATEGORIES: readonly ComplaintCategory[] = [
  { code: 'kependudukan', agency: 'ID/GOV/DUKCAPIL' as MemberId, label: { id: 'Administrasi kependudukan (KTP-el, KK, akta)', en: 'Population administration (ID card, family card, certificates)' } },
  { code: 'kesehatan', agency: 'ID/GOV/KEMENKES' as MemberId, label: { id: 'Layanan kesehatan', en: 'Health services' } },
  { code: 'pendidikan', agency: 'ID/GOV/KEMENDIKBUD' as MemberId, label: { id: 'Pendidikan', en: 'Education' } },
  { code: 'perizinan-usaha', agency: 'ID/GOV/LICENSING' as MemberId, label: { id: 'Perizinan berusaha (NIB, OSS)', en: 'Business licensing (NIB, OSS)' } },
  { code: 'data-statistik', agency: 'ID/GOV/BPS' as MemberId, label: { id: 'Data dan statistik', en: 'Data and statistics' } },
  { code: 'portal', agency: 'ID/GOV/KOMINFO' as MemberId, label: { id: 'Layanan portal ini', en: 'This portal' } },
];
