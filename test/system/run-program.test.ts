import {existsSync, mkdtempSync, realpathSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {runProgram} from '../../src/system/run-program.js'

const NODE = process.execPath

describe('runProgram', () => {
  it('runs a program with an argument list and reports what it said and how it ended', async () => {
    const result = await runProgram(NODE, ['-e', 'process.stdout.write("out " + process.argv[1]); process.stderr.write("err"); process.exit(3)', 'two words'])
    expect(result).toMatchObject({exitCode: 3, stdout: 'out two words', stderr: 'err', timedOut: false, notFound: false})
    expect(result.command.startsWith(`${NODE} -e`)).toBe(true)
  })

  it('keeps the final newline of the output', async () => {
    const result = await runProgram('printf', ['line\\n'])
    expect(result.stdout).toBe('line\n')
    expect(result.exitCode).toBe(0)
  })

  it('passes no shell: metacharacters are plain text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailcert-run-'))
    const marker = join(dir, 'marker')
    const result = await runProgram('echo', [`x; touch ${marker}`, '$HOME'])
    expect(result.stdout).toBe(`x; touch ${marker} $HOME\n`)
    expect(existsSync(marker)).toBe(false)
  })

  it('writes input to stdin', async () => {
    expect((await runProgram('cat', [], {input: 'from stdin\n'})).stdout).toBe('from stdin\n')
    expect((await runProgram('cat', [], {input: Buffer.from([0x61, 0x0a])})).stdout).toBe('a\n')
  })

  it('closes stdin without input, so a program that wants to ask ends instead of waiting', async () => {
    const result = await runProgram('cat', [], {timeoutMs: 5_000})
    expect(result).toMatchObject({exitCode: 0, stdout: '', timedOut: false})
  })

  it('adds env to the environment and runs in cwd', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailcert-run-'))
    const result = await runProgram(NODE, ['-e', 'console.log(process.env.MAILCERT_TEST_VALUE, process.cwd(), Boolean(process.env.PATH))'], {
      env: {MAILCERT_TEST_VALUE: 'here'},
      cwd: dir,
    })
    expect(result.stdout).toBe(`here ${realpathSync(dir)} true\n`)
  })

  it('stops a program that runs past the time limit', async () => {
    const result = await runProgram('sleep', ['10'], {timeoutMs: 200})
    expect(result.timedOut).toBe(true)
    expect(result.exitCode).toBeUndefined()
  })

  it('says notFound for a program that does not exist, rather than throwing', async () => {
    const result = await runProgram('mailcert-no-such-program-here', ['--version'])
    expect(result.notFound).toBe(true)
    expect(result.exitCode).toBeUndefined()
    expect((await runProgram('/nonexistent/folder/certutil', [])).notFound).toBe(true)
  })

  it('writes the input to the program\'s stdin', async () => {
    const result = await runProgram(NODE, ['-e', 'process.stdout.write("got " + require("fs").readFileSync(0, "utf8"))'], {input: 'hunter2'})
    expect(result.stdout).toBe('got hunter2')
  })

  it('is not notFound for a program that exists and fails', async () => {
    const result = await runProgram('sh', ['-c', 'exit 127'])
    expect(result).toMatchObject({exitCode: 127, notFound: false})
  })
})
