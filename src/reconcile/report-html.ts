/**
 * The discrepancy report as one self-contained HTML page (no scripts, no external assets, so it
 * opens offline and on a low-end phone): Bahasa Indonesia first, English second; charts are
 * inline SVG with a text alternative, and every chart's numbers are also in a table.
 */
import { CONFLICT_FIELDS, type AgencyQuality, type ConflictField, type DiscrepancyReport } from './report.js';

const FIELD_LABELS: Record<ConflictField, string> = {
  nik: 'NIK',
  full_name: 'Ejaan nama / name spelling',
  birth_date: 'Tanggal lahir / birth date',
  sex: 'Jenis kelamin / sex',
  birth_place: 'Tempat lahir / birth place',
  address: 'Alamat / address',
  locality: 'Kelurahan/desa / village',
  district: 'Kecamatan / district',
  city: 'Kabupaten/kota / regency',
  phone: 'Telepon / phone',
};

const SAMPLE_ROWS = 200;

function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** A horizontal bar chart; values are 0..max. */
function barChart(title: string, rows: ReadonlyArray<{ label: string; value: number; text: string }>, max: number): string {
  const rowHeight = 28;
  const labelWidth = 230;
  const barWidth = 360;
  const height = rows.length * rowHeight + 10;
  const bars = rows
    .map((r, i) => {
      const y = 5 + i * rowHeight;
      const w = max > 0 ? Math.max(1, (r.value / max) * barWidth) : 1;
      return `<text x="${labelWidth - 8}" y="${y + 18}" text-anchor="end">${esc(r.label)}</text>
<rect x="${labelWidth}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowHeight - 10}" fill="#1d5c96"><title>${esc(`${r.label}: ${r.text}`)}</title></rect>
<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 18}">${esc(r.text)}</text>`;
    })
    .join('\n');
  return `<figure><svg role="img" aria-label="${esc(title)}" viewBox="0 0 ${labelWidth + barWidth + 200} ${height}" width="100%" style="max-width:${labelWidth + barWidth + 200}px">
<title>${esc(title)}</title>${bars}</svg><figcaption>${esc(title)}</figcaption></figure>`;
}

function conflictChart(q: AgencyQuality): string {
  const rows = CONFLICT_FIELDS.filter((f) => (q.comparedByField[f] ?? 0) > 0).map((f) => {
    const compared = q.comparedByField[f] ?? 0;
    const differ = q.conflictsByField[f] ?? 0;
    return { label: FIELD_LABELS[f], value: differ / compared, text: `${pct(differ / compared)} (${differ} / ${compared})` };
  });
  if (rows.length === 0) return '';
  return barChart(`${q.agency}: konflik per kolom / conflicts per field (share of matched records)`, rows, Math.max(...rows.map((r) => r.value), 0.01));
}

function table(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>, caption: string): string {
  // A wide table scrolls inside its own box on a phone; keyboard users reach it by Tab.
  return `<div class="scroll" tabindex="0" role="region" aria-label="${esc(caption)}"><table><caption>${esc(caption)}</caption><thead><tr>${headers.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n')}</tbody></table></div>`;
}

export function renderReportHtml(report: DiscrepancyReport): string {
  const agencies = report.agencies;
  const scoreChart = barChart('Skor kualitas data per instansi / data-quality score per agency (0–100)', agencies.map((q) => ({ label: q.agency, value: q.score, text: q.score.toFixed(1) })), 100);
  const linkChart = barChart(
    `Catatan yang cocok dengan ${report.base} / records matched to ${report.base}`,
    agencies.filter((q) => !q.isBase).map((q) => ({ label: q.agency, value: q.linkage, text: `${pct(q.linkage)} (${q.linked} / ${q.records})` })),
    1,
  );
  const qualityTable = table(
    ['Instansi / agency', 'Catatan / records', 'Cocok / linked', 'Tak cocok / unmatched', 'Klaster duplikat / duplicate clusters', 'Kelengkapan / completeness', 'Validitas / validity', 'Konsistensi / consistency', 'Keterkaitan / linkage', 'Keunikan / uniqueness', 'Skor / score'],
    agencies.map((q) => [`${q.agency}${q.isBase ? ' (basis / base)' : ''}`, q.records, q.linked, q.unmatched, q.duplicateClusters, pct(q.completeness), pct(q.validity), pct(q.consistency), pct(q.linkage), pct(q.uniqueness), q.score.toFixed(1)]),
    'Kualitas data per instansi / data quality per agency',
  );
  const conflictRows = report.conflicts.slice(0, SAMPLE_ROWS).map((c) => [c.agency, c.recordId, c.baseRecordId, FIELD_LABELS[c.field], c.agencyValue, c.baseValue, c.matchProbability.toFixed(3), c.nikSupports ?? '']);
  const unmatchedRows = report.unmatched.slice(0, SAMPLE_ROWS).map((u) => [u.agency, u.recordId, u.nearestBaseId ?? '—', u.nearestProbability === null ? '—' : u.nearestProbability.toFixed(3)]);
  const duplicateRows = report.duplicates.slice(0, SAMPLE_ROWS).map((d) => [d.agency, d.clusterId, d.recordIds.join(', ')]);
  const more = (shown: number, total: number): string => (total > shown ? `<p>${shown} dari ${total} ditampilkan; selengkapnya di berkas CSV / ${shown} of ${total} shown; all in the CSV file.</p>` : '');
  return `<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Laporan ketidaksesuaian data penduduk / Person-data discrepancy report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1rem auto; max-width: 72rem; padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: .9rem; } caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid #8a8a8a; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #e8eef5; } .scroll { overflow-x: auto; }
svg text { font-size: 13px; fill: #1a1a1a; } figure { margin: 1rem 0; } figcaption { font-size: .85rem; color: #333; }
.lang-en { color: #444; }
</style>
</head>
<body>
<main>
<h1>Laporan ketidaksesuaian data penduduk <span class="lang-en">/ Person-data discrepancy report</span></h1>
<p>Basis / base registry: <strong>${esc(report.base)}</strong>. Dibuat / generated ${esc(report.generatedAt)}. Ambang peluang cocok / match-probability threshold ${report.threshold}.</p>
<p>Setiap catatan instansi dicocokkan dengan catatan ${esc(report.base)} tanpa kunci bersama yang andal; kolom yang berbeda antara dua catatan yang cocok adalah konflik.
<span class="lang-en">Each agency record is matched to a ${esc(report.base)} record without a reliable shared key; a field that differs between two matched records is a conflict.</span></p>
<h2>Skor kualitas <span class="lang-en">/ Quality scores</span></h2>
${scoreChart}
${linkChart}
${qualityTable}
<p>Skor = 20% kelengkapan + 20% validitas + 30% konsistensi dengan basis + 15% keterkaitan + 15% keunikan; basis dinilai dari kelengkapan, validitas dan keunikan saja.
<span class="lang-en">Score = 20% completeness + 20% validity + 30% consistency with the base + 15% linkage + 15% uniqueness; the base is scored on completeness, validity and uniqueness only.</span></p>
<h2>Konflik per kolom <span class="lang-en">/ Conflicts per field</span></h2>
${agencies.filter((q) => !q.isBase).map(conflictChart).join('\n')}
${table(['Instansi / agency', 'Catatan / record', `Catatan ${report.base} / base record`, 'Kolom / field', 'Nilai instansi / agency value', 'Nilai basis / base value', 'Peluang cocok / match probability', 'NIK mendukung / NIK supports'], conflictRows, `Konflik / conflicts (${report.conflicts.length})`)}
${more(conflictRows.length, report.conflicts.length)}
<h2>Tidak cocok dengan basis <span class="lang-en">/ Matching nobody in the base registry</span></h2>
${table(['Instansi / agency', 'Catatan / record', 'Terdekat / nearest', 'Peluang / probability'], unmatchedRows, `Tidak cocok / unmatched (${report.unmatched.length})`)}
${more(unmatchedRows.length, report.unmatched.length)}
<h2>Duplikat dalam instansi <span class="lang-en">/ Duplicates inside an agency</span></h2>
${table(['Instansi / agency', 'Klaster / cluster', 'Catatan / records'], duplicateRows, `Klaster duplikat / duplicate clusters (${report.duplicates.length})`)}
${more(duplicateRows.length, report.duplicates.length)}
</main>
</body>
</html>
`;
}
