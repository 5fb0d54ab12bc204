#!/usr/bin/env zx
// Try mailcert safely: a throwaway HOME with a sample Thunderbird profile (one mail account,
// demo@example.com) and a freshly made sample S/MIME certificate in its Downloads folder, then the
// guided installer in that HOME, then `mailcert check`. Nothing of your own is read or changed.
//
//   npm run demo        (builds mailcert first if needed; installs NSS's tools on Debian/Ubuntu if missing)
//
// Without a terminal (CI) the installer runs unattended instead: --yes with the password in the environment.
import {$, fs, os, path, which} from 'zx'

// The screen is the person's: only what they need. The sample-making programs' own chatter (OpenSSL's
// key-generation dots, the build's notices) is kept back and shown only when one of them fails.
$.quiet = true
const root = path.resolve(import.meta.dirname, '..')
const PASSWORD = 'demo'
const EMAIL = 'demo@example.com'

async function ensurePrograms() {
  const missing = []
  if (!(await which('certutil', {nothrow: true}))) missing.push('libnss3-tools')
  if (!(await which('openssl', {nothrow: true}))) missing.push('openssl')
  if (missing.length === 0) return
  if (!(await which('apt-get', {nothrow: true}))) {
    console.error(`The demo needs ${missing.join(' and ')}: install them with your package manager, then run it again.`)
    process.exit(1)
  }
  console.log(`Installing ${missing.join(', ')} (the demo makes its sample profile and certificate with them)…`)
  const sudo = process.getuid?.() === 0 ? [] : ['sudo']
  const env = {...process.env, DEBIAN_FRONTEND: 'noninteractive'}
  await $({env, stdio: 'inherit'})`${sudo} apt-get update -qq`
  await $({env, stdio: 'inherit'})`${sudo} apt-get install -y -qq --no-install-recommends ${missing}`
}

/** A profile as Thunderbird lays it out: profiles.ini, prefs.js with one account, an empty NSS database. */
async function makeProfile(home) {
  const rootDir = path.join(home, '.thunderbird')
  const profile = path.join(rootDir, 'demo1234.default-release')
  await fs.mkdirp(profile)
  await fs.writeFile(path.join(rootDir, 'profiles.ini'), '[Profile0]\nName=default-release\nIsRelative=1\nPath=demo1234.default-release\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n')
  await fs.writeFile(
    path.join(profile, 'prefs.js'),
    [
      '// Mozilla User Preferences',
      '',
      'user_pref("mail.account.account1.identities", "id1");',
      'user_pref("mail.account.account1.server", "server1");',
      'user_pref("mail.accountmanager.accounts", "account1");',
      'user_pref("mail.accountmanager.defaultaccount", "account1");',
      `user_pref("mail.identity.id1.fullName", "Demo User");`,
      `user_pref("mail.identity.id1.useremail", "${EMAIL}");`,
      'user_pref("mail.server.server1.hostname", "imap.example.com");',
      'user_pref("mail.server.server1.type", "imap");',
      'user_pref("mail.server.server1.userName", "demo");',
      '',
    ].join('\n'),
  )
  await $`certutil -N --empty-password -d ${`sql:${profile}`}`
  return profile
}

/** A small private PKI and an S/MIME certificate for demo@example.com, as a .p12 in Downloads. */
async function makeCertificate(home) {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcert-demo-pki-'))
  try {
    const file = (name) => path.join(work, name)
    await fs.writeFile(file('ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n')
    await fs.writeFile(
      file('leaf.ext'),
      `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection\nsubjectAltName=email:${EMAIL}\ncertificatePolicies=2.23.140.1.5.4.3\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n`,
    )
    await fs.writeFile(file('password'), PASSWORD, {mode: 0o600})
    await $`openssl req -x509 -newkey rsa:2048 -nodes -keyout ${file('ca.key')} -out ${file('ca.pem')} -days 3650 -subj ${'/O=mailcert Demo/CN=mailcert Demo Root CA'} -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign`
    await $`openssl req -newkey rsa:2048 -nodes -keyout ${file('leaf.key')} -out ${file('leaf.csr')} -subj ${'/GN=Demo/SN=User/CN=Demo User'}`
    await $`openssl x509 -req -in ${file('leaf.csr')} -CA ${file('ca.pem')} -CAkey ${file('ca.key')} -CAcreateserial -days 825 -extfile ${file('leaf.ext')} -out ${file('leaf.pem')}`
    const downloads = path.join(home, 'Downloads')
    await fs.mkdirp(downloads)
    const p12 = path.join(downloads, 'demo-user-smime.p12')
    await $`openssl pkcs12 -export -inkey ${file('leaf.key')} -in ${file('leaf.pem')} -certfile ${file('ca.pem')} -name ${'Demo User'} -out ${p12} -passout ${`file:${file('password')}`}`
    return p12
  } finally {
    await fs.remove(work)
  }
}

/** Run a step whose output nobody needs unless it fails; then say what failed, with the output. */
async function step(what, run) {
  try {
    return await run()
  } catch (error) {
    console.error(`The demo could not ${what}:\n${error.stderr || error.stdout || error.message}`)
    process.exit(1)
  }
}

await ensurePrograms()
if (!(await fs.pathExists(path.join(root, 'dist', 'commands')))) {
  console.log('Building mailcert…')
  await step('build mailcert', () => $({cwd: root})`npm run build --silent`)
}

const home = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcert-demo-'))
const profile = await step('make the sample Thunderbird profile', () => makeProfile(home))
const p12 = await step('make the sample certificate', () => makeCertificate(home))
const mailcert = ['node', path.join(root, 'bin', 'run.js')]
const env = {...process.env, HOME: home}

console.log(`
mailcert demo
  A throwaway home folder: ${home}
  In it, a Thunderbird profile with the account ${EMAIL}, and in Downloads a new
  S/MIME certificate for that address (from a private demo authority).
  The certificate's password is: ${PASSWORD}
`)

const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY)
if (interactive) {
  console.log('Starting the guided installer (`mailcert`). Answer its questions; say yes to trusting "mailcert Demo Root CA".\n')
  await $({env, stdio: 'inherit', nothrow: true})`${mailcert}`
} else {
  console.log('No terminal: running the installer unattended (mailcert install … --yes).\n')
  const install = await $({env: {...env, MAILCERT_PASSWORD: PASSWORD}, stdio: 'inherit', nothrow: true})`${mailcert} install ${p12} --yes --trust-root --sign-by-default`
  // mailcert has said what went wrong; its exit code is the demo's.
  if (install.exitCode !== 0) process.exit(install.exitCode ?? 1)
}

console.log('\nAnd what `mailcert check` says about it:\n')
const check = await $({env, stdio: 'inherit', nothrow: true})`${mailcert} check`
console.log(`
The demo's home folder stays at ${home} (profile: ${profile}); delete it when you are done:
  rm -rf ${home}`)
process.exitCode = check.exitCode ?? 0
