// A minimal POSIX tar (ustar + pax extended headers) writer. apk packages need per-file pax
// records (APK-TOOLS.checksum.SHA1) and a control archive without the end-of-archive blocks,
// neither of which tar(1) or bsdtar can produce.

const BLOCK = 512;

function octal(value, length) {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

function header({ name, mode, size, mtime, type, linkname = '' }) {
  const block = Buffer.alloc(BLOCK);
  const put = (text, offset, length) => block.write(text.slice(0, length), offset, length, 'utf8');
  put(name, 0, 100);
  put(octal(mode & 0o7777, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(mtime, 12), 136, 12);
  block.fill(0x20, 148, 156);
  put(type, 156, 1);
  put(linkname, 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put('root', 265, 32);
  put('root', 297, 32);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return block;
}

function padded(data) {
  const remainder = data.length % BLOCK;
  return remainder === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - remainder)]);
}

/** One pax record: "<length> <key>=<value>\n" where length counts the whole record. */
function paxRecord(key, value) {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length += 1;
  return `${length}${body}`;
}

/**
 * Serialises entries `{ path, type: 'file'|'dir'|'symlink', mode, mtime, data?, linkname?, pax? }`.
 * With `endOfArchive: false` the two zero blocks are left out, so the result can be followed by
 * another archive in the same stream.
 */
export function writeTar(entries, { endOfArchive = true } = {}) {
  const chunks = [];
  for (const entry of entries) {
    const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
    const linkname = entry.linkname ?? '';
    const pax = { ...entry.pax };
    if (Buffer.byteLength(name) > 100) pax.path = name;
    if (Buffer.byteLength(linkname) > 100) pax.linkpath = linkname;
    if (Object.keys(pax).length > 0) {
      const records = Buffer.from(
        Object.entries(pax)
          .map(([key, value]) => paxRecord(key, value))
          .join(''),
      );
      chunks.push(header({ name: 'PaxHeader', mode: 0o644, size: records.length, mtime: entry.mtime, type: 'x' }));
      chunks.push(padded(records));
    }
    const data = entry.type === 'file' ? entry.data : Buffer.alloc(0);
    const type = { file: '0', dir: '5', symlink: '2' }[entry.type];
    chunks.push(header({ name, mode: entry.mode, size: data.length, mtime: entry.mtime, type, linkname }));
    if (data.length > 0) chunks.push(padded(data));
  }
  if (endOfArchive) chunks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(chunks);
}
