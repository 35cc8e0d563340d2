/**
 * Why a pair was linked: for each comparison, the two normalised values, the agreement level
 * reached and the weight it added (log2 of m/u, with the term-frequency adjustment), next to
 * the prior and the total. Reading across a row shows which fields carried the decision.
 */
import type { Comparison } from './comparisons.js';
import { priorWeight, type Model } from './fellegi-sunter.js';
import { lit } from './normalize-sql.js';
import { comparisonWeightSql } from './scoring.js';

export interface ExplainNames {
  /** Output column names of the two ids, e.g. `left_id`, `right_id`. */
  ids: readonly [string, string];
  /** Suffixes of the two compared values, e.g. `left`, `right`. */
  sides: readonly [string, string];
}

/** A query over the pairs of `pairTable` (rid_l, rid_r, weight) with one explanation row each. */
export function explainQuery(model: Model, comparisons: readonly Comparison[], pairTable: string, left: string, right: string, names: ExplainNames): string {
  const columns = model.comparisons.flatMap((c, i) => {
    const comparison = comparisons[i] as Comparison;
    const labels = c.levels.map((level, g) => `WHEN ${g} THEN ${lit(level.label)}`).join(' ');
    return [
      `l.${comparison.displayColumn} AS ${c.name}_${names.sides[0]}`,
      `r.${comparison.displayColumn} AS ${c.name}_${names.sides[1]}`,
      `CASE p.g_${c.name} WHEN -1 THEN 'missing' ${labels} END AS ${c.name}_level`,
      `round(${comparisonWeightSql(model, i, 'p')}, 3) AS ${c.name}_weight`,
    ];
  });
  return `SELECT l.id AS ${names.ids[0]}, r.id AS ${names.ids[1]},
      round(1 / (1 + pow(2, -k.weight)), 6) AS match_probability,
      round(k.weight, 3) AS match_weight,
      ${priorWeight(model.lambda).toFixed(3)} AS prior_weight,
      ${columns.join(',\n      ')}
    FROM ${pairTable} k JOIN pairs p ON p.rid_l = k.rid_l AND p.rid_r = k.rid_r
    JOIN ${left} l ON l.rid = k.rid_l JOIN ${right} r ON r.rid = k.rid_r
    ORDER BY k.weight DESC, l.id, r.id`;
}
