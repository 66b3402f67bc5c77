import {SaxesParser} from 'saxes'

/**
 * Whether a rendered document is well-formed XML 1.0, so a custom page.xml.hbs that renders broken XML is refused.
 * saxes is a strict, spec-conformant parser (jsdom's); returns its first complaint with line:column, or undefined.
 */
export function xmlWellFormednessProblem(text: string): string | undefined {
  const parser = new SaxesParser({xmlns: true})
  let problem: string | undefined
  parser.on('error', (error) => {
    problem ??= error.message
  })
  try {
    parser.write(text).close()
  } catch (error) {
    problem ??= (error as Error).message
  }
  return problem
}
