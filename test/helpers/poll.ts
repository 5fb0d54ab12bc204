/** The first value that is done; the last one seen after 200 tries, 50 ms apart (the assertion after it then fails and shows it). */
export async function until<T>(check: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await check()
  for (let tries = 0; tries < 200 && !done(value); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    value = await check()
  }
  return value
}
