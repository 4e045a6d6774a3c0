// The five native packages: what each ships and what the distro around it looks like.

/** Paths a package manager (and the maintainer scripts it runs) must be able to write on every distro. */
const COMMON_WRITABLE = [
  ['/etc', 'configuration files shipped by packages, users and groups added by maintainer scripts'],
  ['/usr', 'program files of every package'],
  ['/var', "package databases, caches and logs, and each package's own /var/lib, /var/log, /var/cache, /var/spool"],
  ['/boot', 'kernels, initramfs images and boot loader configuration'],
  ['/opt', 'third-party packages install here'],
  ['/run', 'maintainer scripts leave flags such as /run/reboot-required and talk to init'],
];

/** Split-/usr systems still have these; the leading "-" lets the unit start where they are absent. */
const LEGACY_ROOT_DIRS = ['-/bin', '-/sbin', '-/lib'];

export const TARGETS = [
  {
    id: 'deb',
    format: 'deb',
    backend: 'backend-apt',
    audit: ['audit-journald', 'audit-file'],
    init: 'systemd',
    nodeDependency: 'nodejs (>= 20)',
    requires: ['apt'],
    writable: [
      ...COMMON_WRITABLE,
      ['-/lib32', 'Debian multilib libraries on split-/usr systems'],
      ['-/lib64', 'the amd64 dynamic loader on split-/usr systems'],
      ['-/libx32', 'x32 multilib libraries on split-/usr systems'],
      ...LEGACY_ROOT_DIRS.map((path) => [path, 'programs and libraries on split-/usr systems']),
    ],
    packageManagerPaths: '/var/lib/dpkg /var/lib/apt /var/cache/apt /var/log/apt /var/log/dpkg.log (all under /var)',
  },
  {
    id: 'rpm-dnf',
    format: 'rpm',
    backend: 'backend-dnf',
    audit: ['audit-journald', 'audit-file'],
    init: 'systemd',
    // Fedora and RHEL package Node.js with epoch 1.
    nodeDependency: 'nodejs >= 1:20',
    requires: ['dnf', 'rpm', 'glibc', 'libstdc++'],
    release: '1.dnf',
    writable: [
      ...COMMON_WRITABLE,
      ['-/lib64', '64-bit libraries on split-/usr systems'],
      ...LEGACY_ROOT_DIRS.map((path) => [path, 'programs and libraries on split-/usr systems']),
    ],
    packageManagerPaths: '/var/lib/rpm or /usr/lib/sysimage/rpm, /var/lib/dnf, /var/cache/dnf, /var/log/dnf*.log',
  },
  {
    id: 'rpm-yum',
    format: 'rpm',
    backend: 'backend-yum',
    audit: ['audit-journald', 'audit-file'],
    init: 'systemd',
    nodeDependency: 'nodejs >= 1:20',
    requires: ['yum', 'rpm', 'glibc', 'libstdc++'],
    release: '1.yum',
    writable: [
      ...COMMON_WRITABLE,
      ['-/lib64', '64-bit libraries on split-/usr systems'],
      ...LEGACY_ROOT_DIRS.map((path) => [path, 'programs and libraries on split-/usr systems']),
    ],
    packageManagerPaths: '/var/lib/rpm, /var/lib/yum, /var/cache/yum, /var/log/yum.log',
  },
  {
    id: 'apk',
    format: 'apk',
    backend: 'backend-apk',
    // Alpine has no journald: audit-journald writes RFC 5424 syslog there.
    audit: ['audit-journald', 'audit-file'],
    init: 'openrc',
    nodeDependency: 'nodejs>=20',
    requires: ['apk-tools', 'libstdc++'],
    writable: [],
    packageManagerPaths: '/lib/apk/db, /etc/apk, /var/cache/apk',
  },
  {
    id: 'pacman',
    format: 'pacman',
    backend: 'backend-pacman',
    audit: ['audit-journald', 'audit-file'],
    init: 'systemd',
    nodeDependency: 'nodejs>=20',
    requires: ['pacman', 'glibc', 'gcc-libs'],
    writable: [
      ...COMMON_WRITABLE,
      ['-/efi', 'the EFI system partition where Arch boot loaders are commonly mounted'],
      ...LEGACY_ROOT_DIRS.map((path) => [path, 'symlinks into /usr that packages own']),
    ],
    packageManagerPaths: '/var/lib/pacman, /var/cache/pacman/pkg, /var/log/pacman.log',
  },
];

/** Maps Node's process.arch to each format's architecture name. */
export function architectureNames(nodeArch) {
  const table = {
    x64: { deb: 'amd64', rpm: 'x86_64', apk: 'x86_64', pacman: 'x86_64' },
    arm64: { deb: 'arm64', rpm: 'aarch64', apk: 'aarch64', pacman: 'aarch64' },
    arm: { deb: 'armhf', rpm: 'armv7hl', apk: 'armv7', pacman: 'armv7h' },
    ppc64: { deb: 'ppc64el', rpm: 'ppc64le', apk: 'ppc64le', pacman: 'ppc64le' },
    s390x: { deb: 's390x', rpm: 's390x', apk: 's390x', pacman: 's390x' },
    riscv64: { deb: 'riscv64', rpm: 'riscv64', apk: 'riscv64', pacman: 'riscv64' },
  };
  const names = table[nodeArch];
  if (!names) throw new Error(`no package architecture known for Node's arch ${nodeArch}`);
  return names;
}

export function findTarget(id) {
  const target = TARGETS.find((t) => t.id === id);
  if (!target) throw new Error(`unknown package target ${id}; known: ${TARGETS.map((t) => t.id).join(', ')}`);
  return target;
}
