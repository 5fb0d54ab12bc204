/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS probe run by Windows Node, apart from mailcert */
// An independent look at the user's certificate stores, with koffi directly and none of mailcert's
// code: each certificate of My, CA, Root and AddressBook with its thumbprint and whether it links to a key; for
// the thumbprint given as the second argument, whether its key opens and signs (CryptSignMessage).
// Writes JSON to the file named by the first argument.
const fs = require('node:fs')
const crypto = require('node:crypto')
const koffi = require('koffi')
const [outFile, signThumbprint] = process.argv.slice(2)
const out = {stores: {}}
try {
  const crypt32 = koffi.load('crypt32.dll')
  const kernel32 = koffi.load('kernel32.dll')
  const GetLastError = kernel32.func('uint32 __stdcall GetLastError()')
  koffi.struct('P_BLOB', {cbData: 'uint32', pbData: 'void *'})
  koffi.struct('P_CERT_CONTEXT', {dwCertEncodingType: 'uint32', pbCertEncoded: 'void *', cbCertEncoded: 'uint32', pCertInfo: 'void *', hCertStore: 'void *'})
  koffi.struct('P_ALG', {pszObjId: 'const char *', Parameters: 'P_BLOB'})
  koffi.struct('P_SIGN_PARA', {cbSize: 'uint32', dwMsgEncodingType: 'uint32', pSigningCert: 'void *', HashAlgorithm: 'P_ALG', pvHashAuxInfo: 'void *', cMsgCert: 'uint32', rgpMsgCert: 'void *', cMsgCrl: 'uint32', rgpMsgCrl: 'void *', cAuthAttr: 'uint32', rgAuthAttr: 'void *', cUnauthAttr: 'uint32', rgUnauthAttr: 'void *', dwFlags: 'uint32', dwInnerContentType: 'uint32'})
  const CertOpenStore = crypt32.func('void * __stdcall CertOpenStore(intptr p, uint32 enc, void *prov, uint32 flags, const char16_t *name)')
  const CertCloseStore = crypt32.func('bool __stdcall CertCloseStore(void *h, uint32 flags)')
  const CertEnumCertificatesInStore = crypt32.func('void * __stdcall CertEnumCertificatesInStore(void *h, void *prev)')
  const CertGetCertificateContextProperty = crypt32.func('bool __stdcall CertGetCertificateContextProperty(void *ctx, uint32 id, void *data, _Inout_ uint32 *size)')
  const CryptAcquireCertificatePrivateKey = crypt32.func('bool __stdcall CryptAcquireCertificatePrivateKey(void *ctx, uint32 flags, void *p, _Out_ uintptr *key, _Out_ uint32 *spec, _Out_ bool *free)')
  const CryptSignMessage = crypt32.func('bool __stdcall CryptSignMessage(P_SIGN_PARA *para, bool detached, uint32 n, const uint8_t **data, uint32 *sizes, _Out_ uint8_t *signed, _Inout_ uint32 *size)')
  for (const name of ['My', 'CA', 'Root', 'AddressBook']) {
    const store = CertOpenStore(10, 0, null, 0x10000, name)
    const list = []
    let ctx = null
    while ((ctx = CertEnumCertificatesInStore(store, ctx))) {
      const c = koffi.decode(ctx, 'P_CERT_CONTEXT')
      const der = Buffer.from(koffi.decode(c.pbCertEncoded, 'uint8_t', c.cbCertEncoded))
      const thumbprint = crypto.createHash('sha1').update(der).digest('hex').toUpperCase()
      const entry = {thumbprint, sha256: crypto.createHash('sha256').update(der).digest('hex'), keyLink: CertGetCertificateContextProperty(ctx, 2, null, [0])}
      if (name === 'My' && thumbprint === signThumbprint) {
        const key = [0], spec = [0], free = [false]
        entry.acquired = CryptAcquireCertificatePrivateKey(ctx, 0x10040, null, key, spec, free)
        if (!entry.acquired) entry.acquireError = GetLastError().toString(16)
        entry.keySpec = spec[0]
        // SHA-256 where the key's provider has it, else SHA-1 (a PROV_RSA_FULL CSP, as Wine uses).
        for (const [hash, oid] of [['SHA-256', '2.16.840.1.101.3.4.2.1'], ['SHA-1', '1.3.14.3.2.26']]) {
          const para = {cbSize: koffi.sizeof('P_SIGN_PARA'), dwMsgEncodingType: 0x10001, pSigningCert: ctx, HashAlgorithm: {pszObjId: oid, Parameters: {cbData: 0, pbData: null}}, pvHashAuxInfo: null, cMsgCert: 0, rgpMsgCert: null, cMsgCrl: 0, rgpMsgCrl: null, cAuthAttr: 0, rgAuthAttr: null, cUnauthAttr: 0, rgUnauthAttr: null, dwFlags: 0, dwInnerContentType: 0}
          const data = Buffer.from('probe'), size = [0]
          if (!CryptSignMessage(para, false, 1, [data], [data.length], null, size)) {
            entry[`signError${hash}`] = GetLastError().toString(16)
            continue
          }
          const signed = Buffer.alloc(size[0])
          if (!CryptSignMessage(para, false, 1, [data], [data.length], signed, size)) {
            entry[`signError${hash}`] = GetLastError().toString(16)
            continue
          }
          entry.signedWith = hash
          entry.signature = signed.subarray(0, size[0]).toString('base64')
          break
        }
      }
      list.push(entry)
    }
    CertCloseStore(store, 0)
    out.stores[name] = list
  }
} catch (error) {
  out.error = error.stack
}
fs.writeFileSync(outFile, JSON.stringify(out, null, 2))
