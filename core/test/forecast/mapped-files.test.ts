import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { it } from 'node:test';
import { parseMaps, processMappings } from '../../src/system/mapped-files.js';

// Captured from /proc/PID/maps of a `sleep` chrooted into a sandbox root, after its preloaded library was replaced.
const MAPS = `55d4c0c1a000-55d4c0c1c000 r--p 00000000 fe:00 4243777                    /tmp/root/bin/sleep
55d4c0c1c000-55d4c0c20000 r-xp 00002000 fe:00 4243777                    /tmp/root/bin/sleep
55d4c1e4e000-55d4c1e6f000 rw-p 00000000 00:00 0                          [heap]
7f0c08f3d000-7f0c08f3e000 r--p 00000000 fe:00 4243785                    /tmp/root/usr/lib/fx/libfx.so.1 (deleted)
7f0c08f3e000-7f0c08f3f000 r-xp 00001000 fe:00 4243785                    /tmp/root/usr/lib/fx/libfx.so.1 (deleted)
7f0c08f42000-7f0c08f44000 rw-p 00000000 00:00 0 
7ffd5a5f0000-7ffd5a5f4000 r--p 00000000 00:00 0                          [vvar]
7f0c08f50000-7f0c08f51000 r--p 00000000 fe:00 4243790                    /tmp/root/usr/lib/with space.so
`;

it('parseMaps keeps each mapped file once, marks deleted ones, and leaves anonymous and special mappings out', () => {
  assert.deepEqual(parseMaps(MAPS), [
    { path: '/tmp/root/bin/sleep', device: 'fe:00', inode: 4243777, deleted: false },
    { path: '/tmp/root/usr/lib/fx/libfx.so.1', device: 'fe:00', inode: 4243785, deleted: true },
    { path: '/tmp/root/usr/lib/with space.so', device: 'fe:00', inode: 4243790, deleted: false },
  ]);
});

it('processMappings reads live processes; a root keeps only processes whose root is that directory', async () => {
  const child = spawn('/bin/sleep', ['600'], { stdio: 'ignore' });
  const exited = once(child, 'exit');
  try {
    const all = await processMappings(null);
    const mine = all.find((process) => process.pid === child.pid);
    assert.ok(mine, 'the sleep process is listed');
    assert.match(mine.command, /sleep 600/);
    assert.ok(mine.files.some((file) => file.path.endsWith('/sleep')));
    assert.ok(
      (await processMappings('/')).some((process) => process.pid === child.pid),
      'its root is /',
    );
    assert.deepEqual(await processMappings('/nonexistent-root'), []);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
});
