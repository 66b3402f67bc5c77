/**
 * A link for a window's contact, only when the text is plainly an e-mail address, an http(s) URL or a phone
 * number. Anything else (including `javascript:` and `data:` URLs) gets no href and is shown as text.
 */
const EMAIL = /^(?:mailto:)?([A-Za-z0-9._+-]+)@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$/i
const WEB = /^https?:\/\/[^\s<>"'`]+$/i
const PHONE = /^(?:tel:)?\+?[0-9][0-9 ().-]{5,30}$/i

export function contactHref(contact: string | undefined): string {
  const text = (contact ?? '').trim()
  const email = EMAIL.exec(text)
  if (email) return `mailto:${email[1]}@${email[2].toLowerCase()}`
  if (WEB.test(text)) {
    try {
      const url = new URL(text)
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : ''
    } catch {
      return ''
    }
  }
  if (PHONE.test(text)) return `tel:${text.replace(/^tel:/i, '').replace(/[^0-9+]/g, '')}`
  return ''
}
