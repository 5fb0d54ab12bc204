/**
 * Whether two mail addresses are the same for matching a certificate to an account. Mail clients
 * compare them without regard to case (the local part too, as every client mailcert configures does).
 */
export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}
