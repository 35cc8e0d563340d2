/**
 * The labelled record-linkage data sets in `../shared/datasets/er` (beside the repository, as
 * CI lays it out), with the field maps and ground truth the tests and benchmarks use. The
 * README there explains each file; FEBRL truth is the number in `rec-<N>-…`, Splink's is the
 * `cluster` column.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TruthSql } from './evaluate.js';

/** The repository root (two levels above this file). */
export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the shared data sets are: `SIMPUL_ER_DATASETS`, or `../shared/datasets/er` from the repository root. */
export function erDatasetsDir(): string {
  const dir = process.env.SIMPUL_ER_DATASETS ?? join(REPOSITORY_ROOT, '..', 'shared', 'datasets', 'er');
  if (!existsSync(join(dir, 'febrl_dataset4a.csv'))) {
    throw new Error(
      `The record-linkage data sets are missing: expected ${dir}/febrl_dataset4a.csv and the other files of shared/datasets/er. ` +
        'Clone the shared data beside the repository (…/main and …/shared) or set SIMPUL_ER_DATASETS to their directory.',
    );
  }
  return dir;
}

const FEBRL_MAP = 'given_name=given_name,family_name=surname,street_number=street_number,address=address_1+address_2,locality=suburb,postcode=postcode,province=state,birth_date=date_of_birth,other_id=soc_sec_id';
const FEBRL_TRUTH: TruthSql = "regexp_extract(rec_id, 'rec-([0-9]+)', 1)";

export interface LinkCase {
  name: string;
  task: 'link';
  left: string;
  right: string;
  id: string;
  map: string;
  truth: TruthSql;
  oneToOne: boolean;
}

export interface DedupeCase {
  name: string;
  task: 'dedupe';
  file: string;
  id: string;
  map: string;
  truth: TruthSql;
  /** Pairwise labels to score against as well (Splink's fake_1000_labels). */
  labels?: string;
}

export type BenchmarkCase = LinkCase | DedupeCase;

export const BENCHMARK_CASES: readonly BenchmarkCase[] = [
  { name: 'febrl4_link', task: 'link', left: 'febrl_dataset4a.csv', right: 'febrl_dataset4b.csv', id: 'rec_id', map: FEBRL_MAP, truth: FEBRL_TRUTH, oneToOne: true },
  { name: 'febrl1_dedupe', task: 'dedupe', file: 'febrl_dataset1.csv', id: 'rec_id', map: FEBRL_MAP, truth: FEBRL_TRUTH },
  { name: 'febrl2_dedupe', task: 'dedupe', file: 'febrl_dataset2.csv', id: 'rec_id', map: FEBRL_MAP, truth: FEBRL_TRUTH },
  { name: 'febrl3_dedupe', task: 'dedupe', file: 'febrl_dataset3.csv', id: 'rec_id', map: FEBRL_MAP, truth: FEBRL_TRUTH },
  {
    name: 'splink_fake_1000_dedupe',
    task: 'dedupe',
    file: 'splink_fake_1000.csv',
    id: 'unique_id',
    map: 'given_name=first_name,family_name=surname,birth_date=dob,city=city,other_id=email',
    truth: 'cluster',
    labels: 'splink_fake_1000_labels.csv',
  },
  {
    name: 'splink_historical_50k_dedupe',
    task: 'dedupe',
    file: 'splink_historical_50k.csv',
    id: 'unique_id',
    map: 'given_name=first_name,family_name=surname,birth_date=dob,birth_place=birth_place,postcode=postcode_fake,sex=gender',
    truth: 'cluster',
  },
];
