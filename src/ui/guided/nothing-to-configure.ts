/**
 * The guided installer looks for the mail accounts it could set up before it asks for anything: with
 * none, the person hears at once what was looked for, where, and what to do, instead of typing a
 * password and answering questions first.
 */
import type {ClientPlace, ClientSurvey} from '../../clients/client.js'
import {ExitCode, UserError} from '../../errors.js'
import {tildePath} from './file-choice.js'

/** Why mailcert cannot set up anything in this place, or null when it has an account to set up. */
export function unusableReason(place: ClientPlace): string | null {
  if (place.unusable !== null) return place.unusable
  if (place.takesCertificateAddresses) return null
  if (!(place.accounts ?? []).some((account) => account.email !== null)) return 'it has no mail account yet'
  return null
}

const HINT_CHECK = 'Run `mailcert check` to see every mail client and account mailcert finds.'

/** Null when some client has a mail account mailcert can set up; otherwise the error that says so. */
export function nothingToConfigure(all: ClientSurvey[], home: string): UserError | null {
  // Clients that do not exist on this system (Apple Mail on Linux) were not looked for.
  const surveys = all.filter((survey) => survey.searched.length > 0)
  const places = surveys.flatMap((survey) => survey.places)
  if (places.some((place) => unusableReason(place) === null)) return null
  const names = surveys.map((survey) => survey.client.name)
  if (places.length === 0) {
    const looked = surveys.map((survey) => `${survey.searchedFor} in ${survey.searched.map((dir) => tildePath(dir, home)).join(', ')}`)
    return new UserError(`There is no mail client here for mailcert to set up: it looked for ${looked.join(', and for ')} and found none. Nothing was changed.`, {
      code: 'no-mail-client',
      exitCode: ExitCode.notForSmime,
      hints: [`Install ${names.join(' or ')}, start it and add your mail account (the address your certificate is for), then run mailcert again.`, HINT_CHECK],
    })
  }
  const found = places.map((place) => `${place.noun} "${place.name}" (${tildePath(place.location, home)}): ${unusableReason(place)}`)
  const withPlaces = [...new Set(surveys.filter((survey) => survey.places.length > 0).map((survey) => survey.client.name))]
  return new UserError(`${withPlaces.join(' and ')} ${withPlaces.length === 1 ? 'has' : 'have'} no mail account for mailcert to set up. ${found.join('; ')}. Nothing was changed.`, {
    code: 'no-mail-client',
    exitCode: ExitCode.notForSmime,
    hints: [`Start ${withPlaces.join(' or ')} and add your mail account (the address your certificate is for), then run mailcert again.`, HINT_CHECK],
  })
}
