/**
 * Common-data-model schema ids: `https://simpul.go.id/model/<entity>/<major version>`.
 * An id names one immutable schema: a compatible addition keeps the version, anything that
 * could make a valid record invalid (or change a field's meaning) takes the next version,
 * and the registry serves every version a service still declares (docs/adr/0040).
 */
export const MODEL_BASE = 'https://simpul.go.id/model/';

export type ModelName = 'common' | 'person' | 'household' | 'business' | 'permit' | 'student' | 'patient' | 'respondent';

export function modelId(name: ModelName, version: number): string {
  return `${MODEL_BASE}${name}/${version}`;
}

const MODEL_ID = /^https:\/\/simpul\.go\.id\/model\/([a-z][a-z0-9-]*)\/([1-9][0-9]*)$/;

/** Splits a model id into its entity name and version, or returns undefined when it is not one. */
export function parseModelId(id: string): { name: string; version: number } | undefined {
  const match = MODEL_ID.exec(id);
  if (!match) return undefined;
  return { name: match[1] as string, version: Number(match[2]) };
}

const SHORT_ID = /^(?:simpul:)?([a-z][a-z0-9-]*)\/([1-9][0-9]*)$/;

/**
 * The canonical id for `text`, which may also be written short: `person/1` or `simpul:person/1`
 * (as registry entries and settings files sometimes do). Anything else is returned unchanged.
 */
export function canonicalModelId(text: string): string {
  const short = SHORT_ID.exec(text);
  return short ? `${MODEL_BASE}${short[1]}/${short[2]}` : text;
}
