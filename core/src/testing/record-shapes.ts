/** Shape checks for the records backends return; each returns the problems found (empty = well-formed). */

type Expectation = 'string' | 'nonEmptyString' | 'stringOrNull' | 'sizeOrNull' | 'boolean' | 'booleanOrNull' | 'stringArray';

function meets(value: unknown, expectation: Expectation): boolean {
  switch (expectation) {
    case 'string':
      return typeof value === 'string';
    case 'nonEmptyString':
      return typeof value === 'string' && value.length > 0;
    case 'stringOrNull':
      return value === null || typeof value === 'string';
    case 'sizeOrNull':
      return value === null || (typeof value === 'number' && Number.isFinite(value) && value >= 0);
    case 'boolean':
      return typeof value === 'boolean';
    case 'booleanOrNull':
      return value === null || typeof value === 'boolean';
    case 'stringArray':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
  }
}

function problemsOf(record: unknown, fields: Record<string, Expectation>, label: string): string[] {
  if (typeof record !== 'object' || record === null) return [`${label} is not an object: ${JSON.stringify(record)}`];
  const problems: string[] = [];
  for (const [field, expectation] of Object.entries(fields)) {
    const value = (record as Record<string, unknown>)[field];
    if (!meets(value, expectation)) problems.push(`${label}.${field} should be ${expectation}, got ${JSON.stringify(value)}`);
  }
  return problems;
}

const INSTALLED_PACKAGE = {
  name: 'nonEmptyString',
  version: 'nonEmptyString',
  architecture: 'stringOrNull',
  status: 'nonEmptyString',
  description: 'stringOrNull',
  installed_size: 'sizeOrNull',
} as const satisfies Record<string, Expectation>;

export function installedPackageProblems(record: unknown, label = 'package'): string[] {
  return problemsOf(record, INSTALLED_PACKAGE, label);
}

export function packageDetailsProblems(record: unknown, label = 'details'): string[] {
  return problemsOf(record, { ...INSTALLED_PACKAGE, upgradable: 'boolean', available_version: 'stringOrNull' }, label);
}

export function upgradeProblems(record: unknown, label = 'upgrade'): string[] {
  return problemsOf(
    record,
    {
      name: 'nonEmptyString',
      current_version: 'nonEmptyString',
      available_version: 'nonEmptyString',
      architecture: 'stringOrNull',
      security: 'booleanOrNull',
      severity: 'stringOrNull',
      advisories: 'stringArray',
      repository: 'stringOrNull',
    },
    label,
  );
}

const CHANGE_ACTIONS = new Set(['installed', 'upgraded', 'downgraded', 'removed']);

export function plannedChangeProblems(record: unknown, label = 'change'): string[] {
  const problems = problemsOf(
    record,
    { name: 'nonEmptyString', action: 'string', from_version: 'stringOrNull', to_version: 'stringOrNull' },
    label,
  );
  const action = (record as { action?: unknown } | null)?.action;
  if (typeof action === 'string' && !CHANGE_ACTIONS.has(action))
    problems.push(`${label}.action is not a change action: ${action}`);
  return problems;
}
