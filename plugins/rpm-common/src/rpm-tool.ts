/**
 * What differs between dnf 4 and yum 3 on the command line; everything else in the rpm backends
 * is shared. dnf invoked as `yum` (RHEL 8+) accepts yum 3's spellings, so the yum flavour uses them.
 */
export interface RpmTool {
  /** `dnf` or `yum`, as /system/info shows it. */
  packageManager: 'dnf' | 'yum';
  /** Absolute path of the program. */
  binary: string;
  /** The config file inside a root, relative to it (yum: etc/yum.conf, falling back to dnf's). */
  configFiles: readonly string[];
  /** Plugin configuration directory inside a root. */
  pluginConfDir: string;
  upgradeCommand: 'upgrade' | 'update';
  /** `updateinfo list` restricted to available updates. */
  updateinfoArgs: readonly string[];
  /** The same listing, keyed by CVE id instead of advisory id. */
  updateinfoCveArgs: readonly string[];
  /** Re-download the package index even when it has not expired. */
  refreshArgs: readonly string[];
  /** Records installed packages as dependencies (dnf `mark remove`); null where the tool has no such command (yum 3). */
  markDependencyArgs: readonly string[] | null;
}

export const DNF_TOOL: RpmTool = {
  packageManager: 'dnf',
  binary: '/usr/bin/dnf',
  configFiles: ['etc/dnf/dnf.conf'],
  pluginConfDir: 'etc/dnf/plugins',
  upgradeCommand: 'upgrade',
  updateinfoArgs: ['updateinfo', 'list', '--updates'],
  updateinfoCveArgs: ['updateinfo', 'list', '--updates', '--with-cve'],
  refreshArgs: ['makecache', '--refresh'],
  markDependencyArgs: ['mark', 'remove'],
};

export const YUM_TOOL: RpmTool = {
  packageManager: 'yum',
  binary: '/usr/bin/yum',
  configFiles: ['etc/yum.conf', 'etc/dnf/dnf.conf'],
  pluginConfDir: 'etc/yum/pluginconf.d',
  upgradeCommand: 'update',
  updateinfoArgs: ['updateinfo', 'list', 'updates'],
  updateinfoCveArgs: ['updateinfo', 'list', 'updates', 'cves'],
  refreshArgs: ['makecache'],
  // yum 3 keeps reasons in yumdb (yum-utils); dnf invoked as yum would take `mark remove`, yum 3 not.
  markDependencyArgs: null,
};
