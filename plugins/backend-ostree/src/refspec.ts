/** One ref path component as OSTree accepts it (ostree_validate_rev): no leading `-` or `.`. */
const REF = /^[A-Za-z0-9_][-._A-Za-z0-9]*(\/[A-Za-z0-9_][-._A-Za-z0-9]*)*$/;
const REMOTE = /^[A-Za-z0-9_][-._A-Za-z0-9]*$/;
const MAX_LENGTH = 255;

export interface Refspec {
  remote: string | null;
  ref: string;
}

/** null when `text` is a refspec (`remote:ref` or `ref`) the agent passes to ostree, else the reason. */
export function validateRefspec(text: string): string | null {
  if (typeof text !== 'string' || text.length === 0) return 'ref is empty';
  if (text.length > MAX_LENGTH) return `ref is longer than ${MAX_LENGTH} characters`;
  const colon = text.indexOf(':');
  const remote = colon === -1 ? null : text.slice(0, colon);
  const ref = colon === -1 ? text : text.slice(colon + 1);
  if (remote !== null && !REMOTE.test(remote))
    return 'remote may contain only letters, digits and "._-" and starts with a letter or digit';
  if (!REF.test(ref) || ref.split('/').some((part) => part === '..' || part.includes('..'))) {
    return 'ref is a /-separated path of letters, digits and "._-", each part starting with a letter, digit or "_"';
  }
  return null;
}

/** Splits a valid refspec. */
export function parseRefspec(text: string): Refspec {
  const colon = text.indexOf(':');
  return colon === -1 ? { remote: null, ref: text } : { remote: text.slice(0, colon), ref: text.slice(colon + 1) };
}

export function formatRefspec(refspec: Refspec): string {
  return refspec.remote === null ? refspec.ref : `${refspec.remote}:${refspec.ref}`;
}
