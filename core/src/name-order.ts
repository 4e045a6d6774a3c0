/**
 * Orders records by name in code-unit order, as dpkg-query, rpm and pacman list them. Locale-aware
 * comparison would treat `lib-foo` and `libfoo` alike and costs several times as much per request.
 */
export function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
