/**
 * Deadlines in working days, as LAPOR! counts them: Monday to Friday in Western Indonesia
 * Time (WIB, UTC+7, no daylight saving), less national public holidays. The table lists the
 * holidays fixed by the joint ministerial decree (SKB 3 Menteri) for each year; collective
 * leave days (cuti bersama) are working days for public services and are not listed. The
 * table must gain each new year's decree; a year missing from it counts weekends only.
 */
export const INDONESIAN_PUBLIC_HOLIDAYS: readonly string[] = [
  // 2025 (SKB 3 Menteri 2024)
  '2025-01-01', '2025-01-27', '2025-01-29', '2025-03-29', '2025-03-31', '2025-04-01', '2025-04-18', '2025-04-20',
  '2025-05-01', '2025-05-12', '2025-05-29', '2025-06-01', '2025-06-06', '2025-06-27', '2025-08-17', '2025-09-05', '2025-12-25',
  // 2026 (SKB 3 Menteri 2025)
  '2026-01-01', '2026-01-16', '2026-02-17', '2026-03-19', '2026-03-20', '2026-03-21', '2026-04-03', '2026-04-05',
  '2026-05-01', '2026-05-14', '2026-05-27', '2026-05-31', '2026-06-01', '2026-06-16', '2026-08-17', '2026-08-25', '2026-12-25',
];

const WIB_OFFSET_MS = 7 * 60 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

export class WorkingCalendar {
  readonly #holidays: ReadonlySet<string>;

  constructor(holidays: readonly string[] = INDONESIAN_PUBLIC_HOLIDAYS) {
    this.#holidays = new Set(holidays);
  }

  /** The WIB calendar date of an instant, as YYYY-MM-DD. */
  static wibDate(instant: Date): string {
    return new Date(instant.getTime() + WIB_OFFSET_MS).toISOString().slice(0, 10);
  }

  isWorkingDay(date: string): boolean {
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6 && !this.#holidays.has(date);
  }

  /**
   * The end (23:59:59.999 WIB) of the `days`-th working day after the day of `from`: a report
   * filed on Friday afternoon with 3 working days is due at the end of Wednesday.
   */
  addWorkingDays(from: Date, days: number): Date {
    let date = WorkingCalendar.wibDate(from);
    let remaining = days;
    while (remaining > 0) {
      date = new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
      if (this.isWorkingDay(date)) remaining -= 1;
    }
    return new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS - WIB_OFFSET_MS - 1);
  }
}
