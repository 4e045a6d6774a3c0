/** The fields of os-release(5) the agent uses, already parsed. */
export interface OsRelease {
  /** `ID`, lower-case, e.g. `debian`. */
  id: string;
  /** `ID_LIKE`, split on spaces, e.g. `['rhel', 'fedora']`. */
  idLike: string[];
  name: string;
  versionId: string | null;
  prettyName: string | null;
  /** Every key of the file as written. */
  fields: Readonly<Record<string, string>>;
}
