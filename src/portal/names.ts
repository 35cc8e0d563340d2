/**
 * Comparing a name typed by a citizen with the population registry's: accents, punctuation,
 * spacing and case do not count (KTP-el names are upper case, people type them otherwise).
 */
export function normaliseName(name: string): string {
  return name.normalize('NFKD').replace(/[^\p{L}\p{N} ]/gu, '').replace(/\s+/g, ' ').trim().toUpperCase();
}

export function sameName(a: string, b: string): boolean {
  return normaliseName(a) !== '' && normaliseName(a) === normaliseName(b);
}
