/**
 * Risk-based licensing (PP 5/2021): each KBLI business activity has a risk level; the highest
 * among a business's activities decides what it needs beyond the NIB. The levels are the
 * licensing agency's (its `kbli` service answers them); the portal only explains them.
 */
import type { Translate } from '../web/html.js';

export const RISK_LEVELS = ['RENDAH', 'MENENGAH_RENDAH', 'MENENGAH_TINGGI', 'TINGGI'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export function isRiskLevel(value: unknown): value is RiskLevel {
  return typeof value === 'string' && (RISK_LEVELS as readonly string[]).includes(value);
}

export function highestRisk(levels: readonly RiskLevel[]): RiskLevel {
  return RISK_LEVELS[Math.max(0, ...levels.map((l) => RISK_LEVELS.indexOf(l)))]!;
}

export function riskLabel(t: Translate, level: string): string {
  switch (level) {
    case 'RENDAH': return t('Rendah', 'Low');
    case 'MENENGAH_RENDAH': return t('Menengah rendah', 'Medium-low');
    case 'MENENGAH_TINGGI': return t('Menengah tinggi', 'Medium-high');
    case 'TINGGI': return t('Tinggi', 'High');
    default: return level;
  }
}

/** What the business needs at this level, in the citizen's words. */
export function riskConsequence(t: Translate, level: string): string {
  switch (level) {
    case 'RENDAH': return t('Cukup NIB: usaha dapat langsung berjalan.', 'The NIB is enough: the business can start at once.');
    case 'MENENGAH_RENDAH': return t('NIB dan Sertifikat Standar (pernyataan mandiri memenuhi standar usaha).', 'NIB and a Standard Certificate (a self-declaration that the business meets its standards).');
    case 'MENENGAH_TINGGI': return t('NIB dan Sertifikat Standar yang diverifikasi instansi sebelum usaha berjalan.', 'NIB and a Standard Certificate that the agency verifies before the business starts.');
    case 'TINGGI': return t('NIB dan izin yang harus disetujui instansi sebelum usaha berjalan.', 'NIB and a licence the agency must approve before the business starts.');
    default: return '';
  }
}

export function permitTypeLabel(t: Translate, type: string): string {
  if (type === 'SERTIFIKAT_STANDAR') return t('Sertifikat Standar', 'Standard Certificate');
  if (type === 'IZIN') return t('Izin', 'Licence');
  return type;
}
