import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { excludeReason, hasHolds, parseExcludes, parseVersionlockList } from '../src/excludes.js';

describe('dnf/yum excludes and versionlock', () => {
  it('reads exclude and excludepkgs from [main] and repository sections, comma or space separated', () => {
    const entries = parseExcludes(
      '[main]\ngpgcheck=1\nexcludepkgs=kernel*, java-1.8.0-openjdk\n# exclude=commented\n[updates]\nexclude=foo bar\n',
      '/etc/dnf/dnf.conf',
    );
    assert.deepEqual(
      entries.map((entry) => `${entry.section}:${entry.pattern}`),
      ['main:kernel*', 'main:java-1.8.0-openjdk', 'updates:foo', 'updates:bar'],
    );
  });

  it('names the exclude line, prefers a versionlock entry as pinned, and falls back when nothing here matches', () => {
    const lock = parseVersionlockList('# added by dnf versionlock\nopenssl-1:3.0.7-27.el9.*\n!bash-0:5.1.8-9.el9.*\n');
    assert.deepEqual([...lock.locked], ['openssl']);
    assert.deepEqual([...lock.excluded], ['bash']);
    const sources = {
      excludes: parseExcludes('[main]\nexcludepkgs=kernel*\n', '/etc/dnf/dnf.conf'),
      versionlock: { ...lock, file: '/etc/dnf/plugins/versionlock.list' },
    };
    assert.equal(hasHolds(sources), true);
    assert.equal(hasHolds({ excludes: [], versionlock: null }), false);
    assert.deepEqual(excludeReason('kernel-core', sources), {
      reason: 'ignored',
      detail: 'excludepkgs=kernel* in [main] of /etc/dnf/dnf.conf',
    });
    assert.deepEqual(excludeReason('openssl', sources), {
      reason: 'pinned',
      detail: 'versionlock: openssl is locked in /etc/dnf/plugins/versionlock.list',
    });
    assert.equal(excludeReason('bash', sources).reason, 'ignored');
    assert.equal(excludeReason('zsh', sources).detail, 'excluded by the package manager configuration');
  });
});
