import type { RebootFlag, RebootRule, RestartForecasting } from '@linux-patch-api/core';
import { bootTime, configuredRebootPackages, needsReboot, REBOOT_PACKAGES } from './reboot-required.js';
import type { RpmDatabase } from './rpm-database.js';

const WHY: Readonly<Record<(typeof REBOOT_PACKAGES)[number], string>> = {
  kernel: 'a new kernel runs only after a reboot',
  'kernel-core': 'a new kernel runs only after a reboot',
  'kernel-rt': 'a new kernel runs only after a reboot',
  glibc: 'the C library stays loaded in every running program until a reboot',
  'linux-firmware': 'firmware is loaded when the driver starts, at boot',
  systemd: 'the service manager (PID 1) keeps running the old version until a reboot',
  dbus: 'the system message bus cannot be restarted safely without a reboot',
  'dbus-broker': 'the system message bus cannot be restarted safely without a reboot',
  'dbus-daemon': 'the system message bus cannot be restarted safely without a reboot',
  microcode_ctl: 'CPU microcode is loaded at boot',
};

/** needs-restarting's list, then the boot loaders it does not name. */
export const RPM_REBOOT_RULES: readonly RebootRule[] = [
  ...REBOOT_PACKAGES.map((name) => ({ pattern: name, why: WHY[name] })),
  { pattern: 'grub2-*', why: 'the boot loader is used only at the next boot' },
  { pattern: 'shim-*', why: 'the boot loader is used only at the next boot' },
  { pattern: 'systemd-boot*', why: 'the boot loader is used only at the next boot' },
];

/**
 * Forecasting for dnf and yum: needs-restarting's rules (with the root's needs-restarting.d
 * additions), `rpm -ql`, and needs-restarting -r's verdict (a reboot-class package installed since boot).
 */
export class RpmRestartForecast implements RestartForecasting {
  constructor(
    private readonly root: string | null,
    private readonly database: RpmDatabase,
    private readonly ready: () => Promise<void>,
  ) {}

  async rebootRules(): Promise<RebootRule[]> {
    const configured = await configuredRebootPackages(this.root);
    return [
      ...RPM_REBOOT_RULES,
      ...configured.map((name) => ({ pattern: name, why: 'listed in /etc/dnf/plugins/needs-restarting.d' })),
    ];
  }

  async packageFiles(names: readonly string[], signal?: AbortSignal): Promise<Map<string, string[]>> {
    await this.ready();
    return this.database.files(names, signal);
  }

  async rebootFlag(signal?: AbortSignal): Promise<RebootFlag> {
    await this.ready();
    // Exactly needs-restarting -r's names, as rebootRequired() uses them.
    const names = new Set<string>([...REBOOT_PACKAGES, ...(await configuredRebootPackages(this.root))]);
    const bootedAt = await bootTime();
    const recent = (await this.database.list(signal)).filter((pkg) => needsReboot([pkg], names, bootedAt));
    return { required: recent.length > 0, packages: [...new Set(recent.map((pkg) => pkg.name))], source: 'needs-restarting -r' };
  }
}
