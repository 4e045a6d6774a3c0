import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveLayout } from '../src/layout.js';

describe('pacman layout', () => {
  it('pins every path pacman uses under the root on the command line', async () => {
    const layout = await resolveLayout('/srv/arch-root');
    assert.deepEqual(layout, {
      root: '/srv/arch-root',
      configFile: '/srv/arch-root/etc/pacman.conf',
      dbPath: '/srv/arch-root/var/lib/pacman',
      cacheDirs: ['/srv/arch-root/var/cache/pacman/pkg'],
      logFile: '/srv/arch-root/var/log/pacman.log',
      globalArgs: [
        '--config',
        '/srv/arch-root/etc/pacman.conf',
        '--root',
        '/srv/arch-root',
        '--dbpath',
        '/srv/arch-root/var/lib/pacman',
        '--cachedir',
        '/srv/arch-root/var/cache/pacman/pkg',
        '--hookdir',
        '/srv/arch-root/etc/pacman.d/hooks',
        '--gpgdir',
        '/srv/arch-root/etc/pacman.d/gnupg',
        '--logfile',
        '/srv/arch-root/var/log/pacman.log',
        '--noconfirm',
        '--color',
        'never',
      ],
    });
  });

  it('on the running system passes no paths and reads DBPath and CacheDir from /etc/pacman.conf', async () => {
    const layout = await resolveLayout(null);
    assert.equal(layout.root, null);
    assert.equal(layout.configFile, '/etc/pacman.conf');
    assert.deepEqual(layout.globalArgs, ['--noconfirm', '--color', 'never']);
    assert.ok(layout.dbPath.startsWith('/'));
    assert.ok(layout.cacheDirs.length > 0 && layout.cacheDirs.every((dir) => dir.startsWith('/')));
  });
});
