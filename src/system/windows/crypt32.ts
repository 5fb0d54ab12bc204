/**
 * crypt32.dll: the user's certificate stores (`CurrentUser\My`, `CA`, `Root`, `AddressBook`), importing a PKCS#12
 * blob with its key, the key a certificate links to, one test signature, and Windows' own chain
 * verdict. Every call is checked; a failure is a Win32Error naming the call (right after it, so
 * that the last error is that call's). Handles are opened and closed inside one function
 * (try/finally), so that none outlives the work it was opened for.
 */
import {type Koffi, koffi, library} from './koffi.js'
import {win32Failure} from './win32-error.js'

/** An opaque pointer that koffi hands back (a store handle, a certificate context). */
export type Handle = unknown

const X509_ASN_ENCODING = 0x1
const PKCS_7_ASN_ENCODING = 0x10000
const ENCODING = X509_ASN_ENCODING | PKCS_7_ASN_ENCODING

const CERT_STORE_PROV_MEMORY = 2
const CERT_STORE_PROV_SYSTEM_W = 10
const CERT_SYSTEM_STORE_CURRENT_USER = 0x10000
const CERT_STORE_OPEN_EXISTING_FLAG = 0x4000
const CERT_FIND_SHA1_HASH = 0x10000
const CERT_STORE_CTRL_COMMIT = 3
export const CERT_KEY_PROV_INFO_PROP_ID = 2

/** The dispositions of CertAdd*ToStore that mailcert uses. */
export const AddDisposition = {
  /** Fails with CRYPT_E_EXISTS when the certificate is there. */
  new: 1,
  useExisting: 2,
  replaceExisting: 3,
} as const

/** PFXImportCertStore's flags (wincrypt.h). */
export const PfxFlags = {
  exportable: 0x1,
  userKeyset: 0x1000,
  preferCngKsp: 0x100,
} as const

const CRYPT_ACQUIRE_SILENT_FLAG = 0x40
const CRYPT_ACQUIRE_ALLOW_NCRYPT_KEY_FLAG = 0x10000
const CERT_NCRYPT_KEY_SPEC = 0xffffffff

export const CRYPT_E_NOT_FOUND = 0x80092004
export const CRYPT_E_EXISTS = 0x80092005
export const ERROR_INVALID_PASSWORD = 86
export const NTE_BAD_FLAGS = 0x80090009

export const szOID_NIST_sha256 = '2.16.840.1.101.3.4.2.1'
export const szOID_OIWSEC_sha1 = '1.3.14.3.2.26'
/** NTE_BAD_ALGID: the key's provider cannot do the hash (a PROV_RSA_FULL CSP and SHA-256). */
export const NTE_BAD_ALGID = 0x80090008
export const szOID_PKIX_KP_EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4'
/** (LPCSTR)1. */
const CERT_CHAIN_POLICY_BASE = 1

/** `AddressBook` is "Other People": where Outlook looks up the certificates of the people it encrypts to. */
export type SystemStoreName = 'My' | 'CA' | 'Root' | 'AddressBook'

interface Crypt32 {
  PFXImportCertStore(pfx: {cbData: number; pbData: Buffer}, password: string, flags: number): Handle
  CertOpenStore(provider: number, encoding: number, cryptProv: null, flags: number, para: string | null): Handle
  CertCloseStore(store: Handle, flags: number): boolean
  CertControlStore(store: Handle, flags: number, ctrlType: number, para: null): boolean
  CertEnumCertificatesInStore(store: Handle, previous: Handle): Handle
  CertFindCertificateInStore(store: Handle, encoding: number, findFlags: number, findType: number, para: {cbData: number; pbData: Buffer}, previous: Handle): Handle
  CertAddCertificateContextToStore(store: Handle, context: Handle, disposition: number, added: null): boolean
  CertAddEncodedCertificateToStore(store: Handle, encoding: number, der: Buffer, length: number, disposition: number, added: null): boolean
  CertDeleteCertificateFromStore(context: Handle): boolean
  CertDuplicateCertificateContext(context: Handle): Handle
  CertFreeCertificateContext(context: Handle): boolean
  CertGetCertificateContextProperty(context: Handle, propId: number, data: Buffer | null, size: number[]): boolean
  CryptAcquireCertificatePrivateKey(context: Handle, flags: number, parameters: null, key: Array<bigint | number>, keySpec: number[], callerFree: boolean[]): boolean
  CryptSignMessage(para: Record<string, unknown>, detached: boolean, count: number, data: Buffer[], sizes: number[], signed: Buffer | null, signedSize: number[]): boolean
  CertGetCertificateChain(engine: null, context: Handle, time: null, additionalStore: Handle, para: Record<string, unknown>, flags: number, reserved: null, chain: Handle[]): boolean
  CertVerifyCertificateChainPolicy(policy: number, chain: Handle, para: Record<string, unknown>, status: Record<string, unknown>): boolean
  CertFreeCertificateChain(chain: Handle): void
}

interface Advapi32ForKeys {
  CryptReleaseContext(prov: bigint | number, flags: number): boolean
}

interface NcryptForKeys {
  NCryptFreeObject(object: bigint | number): number
}

let bound: {crypt32: Crypt32; advapi32: Advapi32ForKeys; ncrypt: NcryptForKeys} | undefined

function bind(ffi: Koffi) {
  const lib = library('crypt32.dll')
  ffi.struct('MC_CRYPT_DATA_BLOB', {cbData: 'uint32', pbData: 'void *'})
  ffi.struct('MC_CERT_CONTEXT', {dwCertEncodingType: 'uint32', pbCertEncoded: 'void *', cbCertEncoded: 'uint32', pCertInfo: 'void *', hCertStore: 'void *'})
  ffi.struct('MC_CRYPT_ALGORITHM_IDENTIFIER', {pszObjId: 'const char *', Parameters: 'MC_CRYPT_DATA_BLOB'})
  ffi.struct('MC_CRYPT_SIGN_MESSAGE_PARA', {
    cbSize: 'uint32',
    dwMsgEncodingType: 'uint32',
    pSigningCert: 'void *',
    HashAlgorithm: 'MC_CRYPT_ALGORITHM_IDENTIFIER',
    pvHashAuxInfo: 'void *',
    cMsgCert: 'uint32',
    rgpMsgCert: 'void *',
    cMsgCrl: 'uint32',
    rgpMsgCrl: 'void *',
    cAuthAttr: 'uint32',
    rgAuthAttr: 'void *',
    cUnauthAttr: 'uint32',
    rgUnauthAttr: 'void *',
    dwFlags: 'uint32',
    dwInnerContentType: 'uint32',
  })
  ffi.struct('MC_CERT_ENHKEY_USAGE', {cUsageIdentifier: 'uint32', rgpszUsageIdentifier: 'const char **'})
  ffi.struct('MC_CERT_USAGE_MATCH', {dwType: 'uint32', Usage: 'MC_CERT_ENHKEY_USAGE'})
  ffi.struct('MC_CERT_CHAIN_PARA', {cbSize: 'uint32', RequestedUsage: 'MC_CERT_USAGE_MATCH'})
  ffi.struct('MC_CERT_TRUST_STATUS', {dwErrorStatus: 'uint32', dwInfoStatus: 'uint32'})
  ffi.struct('MC_CERT_CHAIN_CONTEXT_HEAD', {cbSize: 'uint32', TrustStatus: 'MC_CERT_TRUST_STATUS', cChain: 'uint32'})
  ffi.struct('MC_CERT_CHAIN_POLICY_PARA', {cbSize: 'uint32', dwFlags: 'uint32', pvExtraPolicyPara: 'void *'})
  ffi.struct('MC_CERT_CHAIN_POLICY_STATUS', {cbSize: 'uint32', dwError: 'uint32', lChainIndex: 'int32', lElementIndex: 'int32', pvExtraPolicyStatus: 'void *'})
  const crypt32: Crypt32 = {
    PFXImportCertStore: lib.func('void * __stdcall PFXImportCertStore(MC_CRYPT_DATA_BLOB *pPFX, const char16_t *szPassword, uint32 dwFlags)'),
    CertOpenStore: lib.func('void * __stdcall CertOpenStore(intptr lpszStoreProvider, uint32 dwEncodingType, void *hCryptProv, uint32 dwFlags, const char16_t *pvPara)'),
    CertCloseStore: lib.func('bool __stdcall CertCloseStore(void *hCertStore, uint32 dwFlags)'),
    CertControlStore: lib.func('bool __stdcall CertControlStore(void *hCertStore, uint32 dwFlags, uint32 dwCtrlType, void *pvCtrlPara)'),
    CertEnumCertificatesInStore: lib.func('void * __stdcall CertEnumCertificatesInStore(void *hCertStore, void *pPrevCertContext)'),
    CertFindCertificateInStore: lib.func('void * __stdcall CertFindCertificateInStore(void *hCertStore, uint32 dwCertEncodingType, uint32 dwFindFlags, uint32 dwFindType, MC_CRYPT_DATA_BLOB *pvFindPara, void *pPrevCertContext)'),
    CertAddCertificateContextToStore: lib.func('bool __stdcall CertAddCertificateContextToStore(void *hCertStore, void *pCertContext, uint32 dwAddDisposition, void **ppStoreContext)'),
    CertAddEncodedCertificateToStore: lib.func('bool __stdcall CertAddEncodedCertificateToStore(void *hCertStore, uint32 dwCertEncodingType, const uint8_t *pbCertEncoded, uint32 cbCertEncoded, uint32 dwAddDisposition, void **ppCertContext)'),
    CertDeleteCertificateFromStore: lib.func('bool __stdcall CertDeleteCertificateFromStore(void *pCertContext)'),
    CertDuplicateCertificateContext: lib.func('void * __stdcall CertDuplicateCertificateContext(void *pCertContext)'),
    CertFreeCertificateContext: lib.func('bool __stdcall CertFreeCertificateContext(void *pCertContext)'),
    CertGetCertificateContextProperty: lib.func('bool __stdcall CertGetCertificateContextProperty(void *pCertContext, uint32 dwPropId, _Out_ uint8_t *pvData, _Inout_ uint32 *pcbData)'),
    CryptAcquireCertificatePrivateKey: lib.func('bool __stdcall CryptAcquireCertificatePrivateKey(void *pCert, uint32 dwFlags, void *pvParameters, _Out_ uintptr *phCryptProvOrNCryptKey, _Out_ uint32 *pdwKeySpec, _Out_ bool *pfCallerFreeProvOrNCryptKey)'),
    CryptSignMessage: lib.func('bool __stdcall CryptSignMessage(MC_CRYPT_SIGN_MESSAGE_PARA *pSignPara, bool fDetachedSignature, uint32 cToBeSigned, const uint8_t **rgpbToBeSigned, uint32 *rgcbToBeSigned, _Out_ uint8_t *pbSignedBlob, _Inout_ uint32 *pcbSignedBlob)'),
    CertGetCertificateChain: lib.func('bool __stdcall CertGetCertificateChain(void *hChainEngine, void *pCertContext, void *pTime, void *hAdditionalStore, MC_CERT_CHAIN_PARA *pChainPara, uint32 dwFlags, void *pvReserved, _Out_ void **ppChainContext)'),
    CertVerifyCertificateChainPolicy: lib.func('bool __stdcall CertVerifyCertificateChainPolicy(intptr pszPolicyOID, void *pChainContext, MC_CERT_CHAIN_POLICY_PARA *pPolicyPara, _Inout_ MC_CERT_CHAIN_POLICY_STATUS *pPolicyStatus)'),
    CertFreeCertificateChain: lib.func('void __stdcall CertFreeCertificateChain(void *pChainContext)'),
  }
  const advapi32: Advapi32ForKeys = {CryptReleaseContext: library('advapi32.dll').func('bool __stdcall CryptReleaseContext(uintptr hProv, uint32 dwFlags)')}
  const ncrypt: NcryptForKeys = {NCryptFreeObject: library('ncrypt.dll').func('int32 __stdcall NCryptFreeObject(uintptr hObject)')}
  return {crypt32, advapi32, ncrypt}
}

function api() {
  bound ??= bind(koffi())
  return bound
}

// ---- stores

/** Opens one of the user's system stores for the duration of `work`, and closes it. */
export function withSystemStore<T>(name: SystemStoreName, work: (store: Handle) => T, options: {mustExist?: boolean} = {}): T {
  const {crypt32} = api()
  const flags = CERT_SYSTEM_STORE_CURRENT_USER | (options.mustExist ? CERT_STORE_OPEN_EXISTING_FLAG : 0)
  const store = crypt32.CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, null, flags, name)
  if (!store) throw win32Failure(`CertOpenStore(CurrentUser\\${name})`)
  try {
    return work(store)
  } finally {
    crypt32.CertCloseStore(store, 0)
  }
}

/**
 * A store in memory holding these certificates, for `work`, then closed: the certificates a chain
 * may be built from besides the user's and the machine's stores, without adding them anywhere.
 */
export function withMemoryStore<T>(ders: Buffer[], work: (store: Handle) => T): T {
  const {crypt32} = api()
  const store = crypt32.CertOpenStore(CERT_STORE_PROV_MEMORY, 0, null, 0, null)
  if (!store) throw win32Failure('CertOpenStore(memory)')
  try {
    for (const der of ders) addEncodedCertificate(store, der, AddDisposition.useExisting, 'a store in memory')
    return work(store)
  } finally {
    crypt32.CertCloseStore(store, 0)
  }
}

/** Writes a system store's changes through (Wine keeps them in memory until then). */
export function commitStore(store: Handle, name: string): void {
  if (!api().crypt32.CertControlStore(store, 0, CERT_STORE_CTRL_COMMIT, null)) throw win32Failure(`CertControlStore(${name}, COMMIT)`)
}

/**
 * Imports a PKCS#12 blob into a temporary in-memory store (the keys are persisted in the user's key
 * containers at this point) for `work`, then closes that store. The password never leaves memory.
 */
export function withPfxImport<T>(pfx: Buffer, password: string, flags: number, work: (store: Handle) => T): T {
  const {crypt32} = api()
  const store = crypt32.PFXImportCertStore({cbData: pfx.length, pbData: pfx}, password, flags)
  if (!store) throw win32Failure('PFXImportCertStore')
  try {
    return work(store)
  } finally {
    crypt32.CertCloseStore(store, 0)
  }
}

// ---- certificates

/** The DER bytes of a certificate context. */
export function certificateDer(context: Handle): Buffer {
  const ffi = koffi()
  const decoded = ffi.decode(context, 'MC_CERT_CONTEXT') as {pbCertEncoded: unknown; cbCertEncoded: number}
  return Buffer.from(ffi.decode(decoded.pbCertEncoded, 'uint8_t', decoded.cbCertEncoded) as number[])
}

/** Each certificate in the store, in turn (the context is valid only during `visit`; duplicate it to keep it). */
export function forEachCertificate(store: Handle, visit: (context: Handle) => void): void {
  const {crypt32} = api()
  let context: Handle = null
  while ((context = crypt32.CertEnumCertificatesInStore(store, context))) visit(context)
}

/** The certificate with this SHA-1 (20 bytes) for `work`, or null when the store has none. */
export function withCertificateBySha1<T>(store: Handle, sha1: Buffer, work: (context: Handle | null) => T): T {
  const {crypt32} = api()
  const context = crypt32.CertFindCertificateInStore(store, ENCODING, 0, CERT_FIND_SHA1_HASH, {cbData: sha1.length, pbData: sha1}, null)
  if (!context) {
    const failure = win32Failure('CertFindCertificateInStore')
    if (failure.win32Code !== CRYPT_E_NOT_FOUND) throw failure
    return work(null)
  }
  try {
    return work(context)
  } finally {
    crypt32.CertFreeCertificateContext(context)
  }
}

/** Adds a certificate context (with its properties: the link to its key) to a store. */
export function addCertificateContext(store: Handle, context: Handle, disposition: number, storeName: string): void {
  if (!api().crypt32.CertAddCertificateContextToStore(store, context, disposition, null)) throw win32Failure(`CertAddCertificateContextToStore(${storeName})`)
}

/** Adds a certificate from its DER bytes (no properties); false when it was there already and `disposition` is `new`. */
export function addEncodedCertificate(store: Handle, der: Buffer, disposition: number, storeName: string): boolean {
  if (api().crypt32.CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING, der, der.length, disposition, null)) return true
  const failure = win32Failure(`CertAddEncodedCertificateToStore(${storeName})`)
  if (disposition === AddDisposition.new && failure.win32Code === CRYPT_E_EXISTS) return false
  throw failure
}

/** Deletes the certificate from its store (the context stays valid for the caller: a duplicate is deleted). */
export function deleteCertificate(context: Handle, storeName: string): void {
  const {crypt32} = api()
  // CertDeleteCertificateFromStore frees the context it is given, even when it fails.
  const duplicate = crypt32.CertDuplicateCertificateContext(context)
  if (!crypt32.CertDeleteCertificateFromStore(duplicate)) throw win32Failure(`CertDeleteCertificateFromStore(${storeName})`)
}

/** A certificate property's bytes, or null when the certificate does not have it. */
export function certificateProperty(context: Handle, propId: number): Buffer | null {
  const {crypt32} = api()
  const size = [0]
  if (!crypt32.CertGetCertificateContextProperty(context, propId, null, size)) {
    const failure = win32Failure('CertGetCertificateContextProperty')
    if (failure.win32Code === CRYPT_E_NOT_FOUND) return null
    throw failure
  }
  const data = Buffer.alloc(size[0])
  if (!crypt32.CertGetCertificateContextProperty(context, propId, data, size)) throw win32Failure('CertGetCertificateContextProperty')
  return data.subarray(0, size[0])
}

/** Where a certificate's private key lives (CRYPT_KEY_PROV_INFO): a CNG key when `providerType` is 0, else a CSP container. */
export interface KeyLocation {
  container: string
  provider: string
  providerType: number
  flags: number
  keySpec: number
}

/** The certificate's link to its private key, or null when it has none. */
export function keyLocation(context: Handle): KeyLocation | null {
  const data = certificateProperty(context, CERT_KEY_PROV_INFO_PROP_ID)
  if (!data) return null
  const ffi = koffi()
  // CRYPT_KEY_PROV_INFO (x64): two string pointers, then four DWORDs around a pointer; the strings point into `data`.
  const info = ffi.decode(data, ffi.struct({
    pwszContainerName: 'void *',
    pwszProvName: 'void *',
    dwProvType: 'uint32',
    dwFlags: 'uint32',
    cProvParam: 'uint32',
    rgProvParam: 'void *',
    dwKeySpec: 'uint32',
  })) as {pwszContainerName: unknown; pwszProvName: unknown; dwProvType: number; dwFlags: number; dwKeySpec: number}
  const text = (pointer: unknown) => (pointer ? ffi.decode.string16(pointer) : '')
  return {container: text(info.pwszContainerName), provider: text(info.pwszProvName), providerType: info.dwProvType, flags: info.dwFlags, keySpec: info.dwKeySpec}
}

export interface AcquiredKey {
  /** CNG (an NCrypt key) or a legacy CSP. */
  kind: 'cng' | 'csp'
}

/**
 * Whether Windows can open the certificate's private key (silently: no UI), which is what a mail
 * client does; the error is CryptAcquireCertificatePrivateKey's.
 */
export function acquirePrivateKey(context: Handle): AcquiredKey {
  const {crypt32, advapi32, ncrypt} = api()
  const key: Array<bigint | number> = [0]
  const keySpec = [0]
  const callerFree = [false]
  if (!crypt32.CryptAcquireCertificatePrivateKey(context, CRYPT_ACQUIRE_ALLOW_NCRYPT_KEY_FLAG | CRYPT_ACQUIRE_SILENT_FLAG, null, key, keySpec, callerFree)) {
    throw win32Failure('CryptAcquireCertificatePrivateKey')
  }
  const kind = keySpec[0] >>> 0 === CERT_NCRYPT_KEY_SPEC ? 'cng' : 'csp'
  if (callerFree[0]) {
    if (kind === 'cng') ncrypt.NCryptFreeObject(key[0]!)
    else advapi32.CryptReleaseContext(key[0]!, 0)
  }
  return {kind}
}

/** An attached PKCS#7 signature over `data` with the certificate's key and the hash `hashOid`: what proves that the key signs. */
export function signMessage(context: Handle, data: Buffer, hashOid: string): Buffer {
  const {crypt32} = api()
  const ffi = koffi()
  const para = {
    cbSize: ffi.sizeof('MC_CRYPT_SIGN_MESSAGE_PARA'),
    dwMsgEncodingType: ENCODING,
    pSigningCert: context,
    HashAlgorithm: {pszObjId: hashOid, Parameters: {cbData: 0, pbData: null}},
    pvHashAuxInfo: null,
    cMsgCert: 0,
    rgpMsgCert: null,
    cMsgCrl: 0,
    rgpMsgCrl: null,
    cAuthAttr: 0,
    rgAuthAttr: null,
    cUnauthAttr: 0,
    rgUnauthAttr: null,
    dwFlags: 0,
    dwInnerContentType: 0,
  }
  const size = [0]
  if (!crypt32.CryptSignMessage(para, false, 1, [data], [data.length], null, size)) throw win32Failure('CryptSignMessage')
  const signed = Buffer.alloc(size[0])
  if (!crypt32.CryptSignMessage(para, false, 1, [data], [data.length], signed, size)) throw win32Failure('CryptSignMessage')
  return signed.subarray(0, size[0])
}

// ---- chains

export interface ChainStatus {
  /** CERT_TRUST_STATUS.dwErrorStatus of the whole chain. */
  errorStatus: number
  /** CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_BASE)'s dwError: 0 when Windows accepts the chain. */
  policyError: number
}

/**
 * Builds the certificate's chain (the user's stores, the machine's, `additionalStore` when given,
 * and what Windows fetches) for the usage `usageOid`, and asks the base policy for its verdict.
 */
export function chainStatus(context: Handle, usageOid: string, additionalStore: Handle = null): ChainStatus {
  const {crypt32} = api()
  const ffi = koffi()
  const para = {cbSize: ffi.sizeof('MC_CERT_CHAIN_PARA'), RequestedUsage: {dwType: 0, Usage: {cUsageIdentifier: 1, rgpszUsageIdentifier: [usageOid]}}}
  const chain: Handle[] = [null]
  if (!crypt32.CertGetCertificateChain(null, context, null, additionalStore, para, 0, null, chain)) throw win32Failure('CertGetCertificateChain')
  try {
    const head = ffi.decode(chain[0], 'MC_CERT_CHAIN_CONTEXT_HEAD') as {TrustStatus: {dwErrorStatus: number}}
    const policyPara = {cbSize: ffi.sizeof('MC_CERT_CHAIN_POLICY_PARA'), dwFlags: 0, pvExtraPolicyPara: null}
    const status: Record<string, unknown> = {cbSize: ffi.sizeof('MC_CERT_CHAIN_POLICY_STATUS'), dwError: 0, lChainIndex: 0, lElementIndex: 0, pvExtraPolicyStatus: null}
    if (!crypt32.CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_BASE, chain[0], policyPara, status)) throw win32Failure('CertVerifyCertificateChainPolicy')
    return {errorStatus: head.TrustStatus.dwErrorStatus >>> 0, policyError: (status.dwError as number) >>> 0}
  } finally {
    crypt32.CertFreeCertificateChain(chain[0])
  }
}

