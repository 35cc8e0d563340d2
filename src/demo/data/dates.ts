/** Calendar arithmetic on UTC day numbers (days since 1970-01-01): the generator needs no time zones. */

const DAY_MS = 86_400_000;

export function dayOf(iso: string): number {
  return Math.floor(Date.parse(`${iso.slice(0, 10)}T00:00:00Z`) / DAY_MS);
}

const isoDays = new Map<number, string>();

export function isoDay(day: number): string {
  // Memoised: a federation formats a few hundred thousand dates over some 40,000 distinct days.
  let iso = isoDays.get(day);
  if (iso === undefined) {
    iso = new Date(day * DAY_MS).toISOString().slice(0, 10);
    isoDays.set(day, iso);
  }
  return iso;
}

export function isoInstant(day: number, secondOfDay: number): string {
  return new Date(day * DAY_MS + secondOfDay * 1000).toISOString();
}

export function yearOf(day: number): number {
  return new Date(day * DAY_MS).getUTCFullYear();
}

export function dayOfYear(year: number, month = 1, date = 1): number {
  return Math.floor(Date.UTC(year, month - 1, date) / DAY_MS);
}

/** Completed years between a birth day and another day. */
export function ageOn(birthIso: string, onIso: string): number {
  const years = Number(onIso.slice(0, 4)) - Number(birthIso.slice(0, 4));
  // MM-DD compare as strings.
  return onIso.slice(5, 10) < birthIso.slice(5, 10) ? years - 1 : years;
}
