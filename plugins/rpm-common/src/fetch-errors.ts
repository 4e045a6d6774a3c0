/** Download failures as dnf (librepo/curl) and yum 3 (urlgrabber) report them. */
const FETCH_ERROR =
  /Cannot download|Failed to download|failed retrieving file|Curl error|Cannot retrieve repository metadata|Errno 14|HTTP Error \d{3}|\b404\b.*(?:Not Found|error)|All mirrors were tried|No more mirrors to try|Cannot find a valid baseurl|Could not resolve host|Status code: [45]\d\d/i;

export function isRpmFetchError(output: string): boolean {
  return FETCH_ERROR.test(output);
}
