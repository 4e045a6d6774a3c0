/**
 * Whether an update comes from a security archive, judged from the suites apt names for the
 * candidate version (e.g. `bookworm-security`, `stable-security`, `jammy-security`): true when any
 * of them is a `*-security` suite, false when apt named suites and none is, null when it named
 * none (apt cannot tell).
 */
const SECURITY_SUITE = /(?:^|[-_/])security$/i;

export function classifySecurity(suites: readonly string[]): boolean | null {
  if (suites.length === 0) return null;
  return suites.some((suite) => SECURITY_SUITE.test(suite));
}
