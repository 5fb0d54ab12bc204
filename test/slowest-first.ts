/**
 * The order in which vitest starts the test files: the few that drive real Thunderbird and NSS
 * for minutes first, so that the workers end together instead of one of them finishing the
 * longest file alone at the end. (Vitest orders by the durations of earlier runs, which a clean
 * clone, as in CI, does not have.) Slowest first, measured on the 2-core development machine.
 * These files also run each in a test process of its own (vitest.config.ts).
 */
import {BaseSequencer, type TestSpecification} from 'vitest/node'

export const SLOWEST = [
  'test/install/crash-safety.test.ts',
  // Under Wine: each CLI call costs 3-5 s of Windows Node start-up; it waits for the run's prefix template first.
  'test/windows/outlook.test.ts',
  'test/commands/check.test.ts',
  // Four ansible-playbook runs against hosts in network namespaces (sshd, users); root only, cleaned up in afterAll.
  'test/platforms/ansible.test.ts',
  // Both wait for the run's single executables (test/helpers/executables.ts: 40-100 s of building, once per run).
  'test/packaging/windows/windows-executable.test.ts',
  'test/packaging/linux-executable.test.ts',
  // Third, ahead of longer files: it builds its own Thunderbird template (three accounts) while the first two wait for the one they share.
  'test/commands/guided-install.test.ts',
  'test/commands/install.test.ts',
  'test/commands/apple-mail.test.ts',
  'test/commands/install-thunderbird-driver.test.ts',
  'test/clients/thunderbird/check-profile.test.ts',
  'test/commands/inspect-verdicts.test.ts',
  // Under Wine (about 25 s of wine calls): late enough that the run's Wine template (global-setup.ts,
  // some 7-15 s) is ready when it starts, early enough not to be the run's last file.
  'test/windows/harness.test.ts',
  'test/commands/evolution.test.ts',
  'test/commands/inspect.test.ts',
  'test/identity/damaged-input.test.ts',
  'test/commands/remove.test.ts',
  'test/stores/nss/tools-driver.test.ts',
  'test/clients/thunderbird/thunderbird-nss-driver.test.ts',
  'test/clients/thunderbird/headless.test.ts',
  'test/stores/keychain/keychain-store.test.ts',
  'test/clients/thunderbird/macos.test.ts',
  'test/commands/profile.test.ts',
  'test/system/windows/registry.test.ts',
  'test/windows/thunderbird.test.ts',
]

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification): number => {
      const index = SLOWEST.findIndex((name) => file.moduleId.endsWith(name))
      return index < 0 ? SLOWEST.length : index
    }
    return [...(await super.sort(files))].sort((a, b) => rank(a) - rank(b))
  }
}
