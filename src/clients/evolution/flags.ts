export const EVOLUTION_HELP = `Evolution (Linux): the key goes into the shared NSS database Evolution reads (~/.pki/nssdb, created if missing), and each matching Mail Identity in ~/.config/evolution/sources is set to sign and decrypt with it by its NSS nickname. Evolution and its source registry must not run.`

/** Evolution has no flags of its own: its sources and its NSS database are where Evolution itself puts them. */
export const evolutionFlags = {}
