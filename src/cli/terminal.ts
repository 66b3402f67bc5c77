/**
 * Text from the cluster is written by tenants: a message or annotation holding ESC sequences would reach the
 * terminal raw and could rewrite the screen, set the window title, or hide lines. Every byte the terminal would
 * act on is shown as a visible `\u00XX` escape instead: C0 controls (except line feed and tab, which our own
 * layout uses), DEL, and C1 controls (U+0080-U+009F; U+009B is a one-character CSI on terminals that honour C1).
 * In JSON and YAML output the same escape is valid inside strings and stands for the same character, so data
 * stays lossless.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
