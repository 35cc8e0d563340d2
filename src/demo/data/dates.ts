/** Calendar arithmetic on UTC day numbers (days since 1970-01-01): the generator needs no time zones. */

const DAY_MS = 86_400_000;

const days = new Map<string, number>();

export function dayOf(iso: string): number {
  const date = iso.length === 10 ? iso : iso.slice(0, 10);
  let day = days.get(date);
  if (day === undefined) {
    day = Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
    days.set(date, day);
  }
  return day;
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

/** `secondOfDay` in [0, 86400). */
export function isoInstant(day: number, secondOfDay: number): string {
  const h = Math.floor(secondOfDay / 3600);
  const m = Math.floor((secondOfDay % 3600) / 60);
  const s = secondOfDay % 60;
  return `${isoDay(day)}T${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}.000Z`;
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
