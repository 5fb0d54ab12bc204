// node-forge's package entry loads every module it has (about 70 ms). mailcert loads only the parts it
// uses, whose typings are the same as those of the namespace in @types/node-forge.
declare module 'node-forge/lib/asn1.js' {
  import type forge from 'node-forge'
  const asn1: typeof forge.asn1
  export default asn1
}

declare module 'node-forge/lib/util.js' {
  import type forge from 'node-forge'
  const util: typeof forge.util
  export default util
}

declare module 'node-forge/lib/rc2.js' {
  import type forge from 'node-forge'
  const rc2: typeof forge.rc2
  export default rc2
}
