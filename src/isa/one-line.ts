// Error messages of bad input stay on one line: names read from a damaged object (a section, a
// map, a function) can hold any byte, a newline among them.

/** The message with control characters shown as escapes (a newline as \n, byte 1 as \x01). */
export function oneLine(message: string): string {
  return message.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
