/**
 * Interactive prompts. @inquirer/prompts is loaded on first use: scripts that never prompt do not
 * pay for it at start-up.
 */
export async function askPassword(message: string): Promise<string> {
  const {password} = await import('@inquirer/prompts')
  // The 7.x password prompt has no reveal toggle: nothing typed can end up on screen.
  return password({message, mask: '*'})
}
