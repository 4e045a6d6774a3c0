import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type BackendDefinition, definePlugin, isLpaError, type OsRelease, parseOsRelease } from '@linux-patch-api/core';
import { createMemoryLogger } from '@linux-patch-api/core/testing';
import { createHooks } from '../../src/hooks.js';
import { applyPlugin } from '../../src/loader/plugin-host.js';
import { PluginRegistry } from '../../src/loader/plugin-registry.js';
import { readBackendOsRelease, selectBackend } from '../../src/loader/select-backend.js';

/** Backends as distributions ship them: detect() looks at the id (and ID_LIKE) it is given. */
function knows(name: string, ids: string[]): BackendDefinition {
  return {
    name,
    detect: (os: OsRelease) => ids.includes(os.id) || os.idLike.some((like) => ids.includes(like)),
    create: () => ({}) as never,
  };
}

async function registryOf(...backends: BackendDefinition[]): Promise<PluginRegistry> {
  const registry = new PluginRegistry();
  for (const backend of backends) {
    await applyPlugin(
      definePlugin({ name: `plugin-${backend.name}`, apiVersion: '^1.0.0', apply: (host) => host.registerBackend(backend) }),
      {
        registry,
        hooks: createHooks(),
        logger: createMemoryLogger(),
        origin: { via: 'builtin', location: 'test', kind: 'backend' },
      },
    );
  }
  return registry;
}

const os = (text: string) => parseOsRelease(text);
const AUTO = { backend: { name: 'auto' } };

describe('backend selection', () => {
  it('uses backend.name when set, whatever os-release says', async () => {
    const registry = await registryOf(knows('apt', ['debian']), knows('dnf', ['fedora']));
    const chosen = selectBackend(registry, { backend: { name: 'dnf' } }, os('ID=debian'));
    assert.deepEqual([chosen.definition.name, chosen.plugin, chosen.matchedBy], ['dnf', 'plugin-dnf', 'name']);
  });

  it('refuses an unknown backend.name, listing the available backends', async () => {
    const registry = await registryOf(knows('apt', ['debian']), knows('dnf', ['fedora']));
    assert.throws(
      () => selectBackend(registry, { backend: { name: 'zypper' } }, os('ID=debian')),
      (error) =>
        isLpaError(error, 'LPA_ERR_NO_BACKEND') && /backend\.name is "zypper".*available backends: apt, dnf/.test(error.message),
    );
  });

  it('auto: the backend that knows the ID wins over an earlier one that only knows an ID_LIKE entry', async () => {
    const registry = await registryOf(knows('dnf', ['fedora', 'rhel']), knows('rocky-native', ['rocky']));
    const chosen = selectBackend(registry, AUTO, os('ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"'));
    assert.deepEqual([chosen.definition.name, chosen.matchedBy], ['rocky-native', 'id']);
  });

  it('auto: ID_LIKE entries are tried in the order the file lists them', async () => {
    const registry = await registryOf(knows('fedora-only', ['fedora']), knows('rhel-only', ['rhel']));
    const chosen = selectBackend(registry, AUTO, os('ID=almalinux\nID_LIKE="rhel centos fedora"'));
    assert.deepEqual([chosen.definition.name, chosen.matchedBy], ['rhel-only', 'id_like']);
  });

  it('auto: Ubuntu gets apt through ID_LIKE=debian; the first registered of two equal matches wins', async () => {
    const registry = await registryOf(knows('pacman', ['arch']), knows('apt', ['debian']), knows('apt-fork', ['debian']));
    const chosen = selectBackend(registry, AUTO, os('ID=ubuntu\nID_LIKE=debian'));
    assert.deepEqual([chosen.definition.name, chosen.matchedBy], ['apt', 'id_like']);
  });

  it('auto: no backend fits → LPA_ERR_NO_BACKEND naming the system and the available backends', async () => {
    const registry = await registryOf(knows('apt', ['debian']));
    assert.throws(
      () => selectBackend(registry, AUTO, os('ID=opensuse-leap\nID_LIKE="suse opensuse"')),
      (error) =>
        isLpaError(error, 'LPA_ERR_NO_BACKEND') &&
        /os-release ID opensuse-leap \(ID_LIKE suse opensuse\); available backends: apt/.test(error.message),
    );
    assert.throws(() => selectBackend(new PluginRegistry(), AUTO, os('ID=debian')), /available backends: none/);
  });

  it('a detect() that throws refuses the start with the backend named', async () => {
    const registry = await registryOf({
      name: 'fragile',
      detect: () => {
        throw new Error('cannot parse');
      },
      create: () => ({}) as never,
    });
    assert.throws(
      () => selectBackend(registry, AUTO, os('ID=debian')),
      (error) => isLpaError(error, 'LPA_ERR_PLUGIN_LOAD') && /backend "fragile".*detect\(\): cannot parse/.test(error.message),
    );
  });

  it("reads the os-release of backend.root when a root is set, the host's otherwise", async () => {
    const root = await mkdtemp(join(tmpdir(), 'lpa-root-'));
    try {
      await mkdir(join(root, 'etc'));
      await writeFile(join(root, 'etc', 'os-release'), 'ID=fedora\nVERSION_ID=40\n');
      assert.equal((await readBackendOsRelease({ backend: { root } })).id, 'fedora');
      const registry = await registryOf(knows('apt', ['debian']), knows('dnf', ['fedora']));
      assert.equal(selectBackend(registry, AUTO, await readBackendOsRelease({ backend: { root } })).definition.name, 'dnf');
      // This machine is Debian 12.
      assert.equal((await readBackendOsRelease({ backend: { root: null } })).id, 'debian');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a backend the host claims (an OSTree-booted root) wins over os-release matching, registered last or not', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lpa-root-'));
    try {
      const claimed: (string | null)[] = [];
      const ostree: BackendDefinition = {
        name: 'ostree',
        detect: () => false,
        claimsHost: (candidate) => {
          claimed.push(candidate);
          return candidate === root;
        },
        create: () => ({}) as never,
      };
      const registry = await registryOf(knows('apt', ['debian']), knows('dnf', ['fedora']), ostree);
      const chosen = selectBackend(registry, { backend: { name: 'auto', root } }, os('ID=fedora\nVARIANT_ID=coreos'));
      assert.deepEqual([chosen.definition.name, chosen.matchedBy], ['ostree', 'host']);
      assert.deepEqual(claimed, [root], 'asked about backend.root');
      // Without the claim the distribution's package manager is chosen, as before.
      const plain = selectBackend(registry, { backend: { name: 'auto', root: null } }, os('ID=fedora'));
      assert.deepEqual([plain.definition.name, plain.matchedBy], ['dnf', 'id']);
      // backend.name still wins over a claim.
      assert.equal(selectBackend(registry, { backend: { name: 'apt', root } }, os('ID=fedora')).definition.name, 'apt');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a claimsHost() that throws refuses the start with the backend named', async () => {
    const registry = await registryOf({
      name: 'fragile',
      detect: () => false,
      claimsHost: () => {
        throw new Error('cannot stat');
      },
      create: () => ({}) as never,
    });
    assert.throws(
      () => selectBackend(registry, AUTO, os('ID=debian')),
      (error) => isLpaError(error, 'LPA_ERR_PLUGIN_LOAD') && /backend "fragile".*claimsHost\(\): cannot stat/.test(error.message),
    );
  });
});
