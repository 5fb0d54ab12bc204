/**
 * Clients with no setting for which certificate signs and which decrypts (Apple Mail, Outlook for
 * Mac, new Outlook): given a separate signing and encryption certificate, both go into the store
 * and the client picks among them by address, which mailcert cannot steer. Said once per client.
 */
export function choosesByAddress(clientName: string): string {
  return `${clientName} chooses certificates by address and has no setting to keep signing and encryption apart: both certificates are in its store, and which one it uses for what is its own choice.`
}
