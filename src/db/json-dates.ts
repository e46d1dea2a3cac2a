/**
 * Records travel through JSON (the event log's jsonb, NOTIFY payloads), which turns their
 * Dates into ISO strings. Every date field of the records is named `…At` or `…Until`, and
 * records are flat, so the top level is all that needs reviving.
 */
const DATE_FIELD = /(At|Until)$/;

export function reviveDates<T>(record: T): T {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return record;
  const out: Record<string, unknown> = { ...(record as Record<string, unknown>) };
  for (const [key, value] of Object.entries(out)) {
    if (typeof value === 'string' && DATE_FIELD.test(key)) {
      const time = Date.parse(value);
      if (!Number.isNaN(time)) out[key] = new Date(time);
    }
  }
  return out as T;
}
