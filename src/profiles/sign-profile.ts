/**
 * Signing a profile: CMS SignedData with the profile as its content (what `security cms -S` and
 * `openssl smime -sign -nodetach -outform der` write), so that macOS can show who signed it.
 */
import {ExitCode, UserError} from '../errors.js'
import {cmsSignedData, signerKind} from '../identity/cms-signed-data.js'
import type {Identity} from '../identity/identity.js'

/** The signer's key cannot sign a profile (no key, another kind of key, not its certificate's). */
export function unusableSigner(message: string): UserError {
  return new UserError(message, {
    code: 'signer-unusable',
    exitCode: ExitCode.usage,
    hints: ['Sign with a .p12 that holds an RSA or EC private key and its certificate (a code-signing or S/MIME identity of your organisation).'],
  })
}

/** `content` (the profile's XML) wrapped in CMS SignedData by `signer`, DER. */
export function signProfile(content: Buffer, signer: Identity, now: Date): Buffer {
  const checked = signerKind(signer)
  if ('problem' in checked) {
    const why = {
      'no-key': 'The signing file holds no private key, only certificates: it cannot sign.',
      'key-mismatch': 'The private key in the signing file does not belong to its certificate.',
      'unsupported-key': `The signing key is ${'keyName' in checked ? checked.keyName : ''}; profiles can be signed with RSA and EC keys only.`,
    }
    throw unusableSigner(why[checked.problem])
  }
  return cmsSignedData(content, signer, {now})
}
