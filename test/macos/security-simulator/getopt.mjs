/**
 * BSD getopt(3) as each `security` command calls it: options stop at the first argument that is
 * not one (or at `--`), `-abc` groups flags, `-kVALUE` and `-k VALUE` both give a value.
 */
export class GetoptError extends Error {}

/** `spec` is getopt's option string ("k:t:f:P:wxa:hAT:"); `start` is the optind to begin at. */
export function getopt(argv, spec, start = 1) {
  const takesValue = new Map()
  for (let i = 0; i < spec.length; i++) {
    if (spec[i] === ':') continue
    takesValue.set(spec[i], spec[i + 1] === ':')
  }
  const options = []
  let index = start
  while (index < argv.length) {
    const arg = argv[index]
    if (arg === '--') {
      index++
      break
    }
    if (!arg.startsWith('-') || arg === '-') break
    index++
    for (let position = 1; position < arg.length; position++) {
      const flag = arg[position]
      if (!takesValue.has(flag)) throw new GetoptError(`${argv[0]}: illegal option -- ${flag}`)
      if (!takesValue.get(flag)) {
        options.push({flag})
        continue
      }
      let value = arg.slice(position + 1)
      if (value === '') {
        if (index >= argv.length) throw new GetoptError(`${argv[0]}: option requires an argument -- ${flag}`)
        value = argv[index++]
      }
      options.push({flag, value})
      break
    }
  }
  return {options, rest: argv.slice(index)}
}

export function last(options, flag) {
  return options.filter((option) => option.flag === flag).at(-1)?.value
}

export function all(options, flag) {
  return options.filter((option) => option.flag === flag).map((option) => option.value)
}

export function has(options, flag) {
  return options.some((option) => option.flag === flag)
}
