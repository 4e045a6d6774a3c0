/**
 * Download failures as ostree and libcurl report them (`error: While fetching
 * https://…/objects/ab/cdef.filez: [404] Server returned HTTP 404`, a file:// remote that is gone,
 * a name that does not resolve): the job gets one refresh and one retry (SPEC §7).
 */
const FETCH_FAILURE =
  /While fetching|Server returned HTTP \d+|Couldn't resolve host|Could not resolve host|Couldn't connect to server|Timeout was reached|Connection timed out|opening repo: .*No such file or directory|Opening content object .* Couldn't find file object/i;

export function isOstreeFetchError(output: string): boolean {
  return FETCH_FAILURE.test(output);
}
