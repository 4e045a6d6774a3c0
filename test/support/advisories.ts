/** The fields of one advisory in GET /patches, the same on every distribution (see core/src/contracts/backend.ts `Advisory`). */
export const ADVISORY_FIELDS = ['cves', 'id', 'issued', 'severity', 'severity_raw', 'source', 'type', 'url'] as const;

/** The field names of an advisory as returned, sorted, for comparison with ADVISORY_FIELDS. */
export function fieldsOf(advisory: Record<string, unknown>): string[] {
  return Object.keys(advisory).sort();
}
