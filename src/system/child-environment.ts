/**
 * The environment every program mailcert starts gets: mailcert's own, minus the secrets that
 * scripts hand to mailcert in variables (MAILCERT_PASSWORD, MAILCERT_DB_PASSWORD, …). A child
 * never needs them (secrets reach tools through pipes or 0600 files), and a child's environment
 * is readable by the user's other processes and kept in crash reports.
 */

/** `MAILCERT_PASSWORD`, `MAILCERT_DB_PASSWORD`, `MAILCERT_KEYCHAIN_PASSWORD` and any later one of that kind. */
const SECRET_VARIABLE = /^MAILCERT_(?:\w+_)?(?:PASSWORD|PASSPHRASE|SECRET|TOKEN)$/i

export function isSecretVariable(name: string): boolean {
  return SECRET_VARIABLE.test(name)
}

/**
 * `base` with `overrides` on top (an undefined value removes a variable), without secrets. The
 * result is complete: a program started with it inherits nothing else.
 */
export function childEnvironment(
  overrides: Record<string, string | undefined> = {},
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries({...base, ...overrides})) {
    if (value !== undefined && !isSecretVariable(name)) env[name] = value
  }
  return env
}
