// __msg patterns as test_loader.c matches them: verbatim text with "{{…}}" parts that are POSIX
// extended regular expressions (REG_NEWLINE: '.' and bracket negations stop at a newline, ^ and
// $ match at line ends), looked for in order, each after the end of the previous match.

/** One pattern compiled to a JS RegExp (sticky-free; we slice the log instead). */
export function compilePattern(pattern: string): RegExp {
  if (!pattern.includes('{{')) return new RegExp(escape(pattern), 'm');
  let out = '';
  let rest = pattern;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      out += escape(rest);
      break;
    }
    out += escape(rest.slice(0, open));
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw new Error(`pattern '${pattern}': '{{' without '}}'`);
    out += posixToJs(rest.slice(open + 2, close));
    rest = rest.slice(close + 2);
  }
  return new RegExp(out, 'm');
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** POSIX ERE → JS: bracket classes like [[:digit:]], and negated brackets not crossing lines. */
function posixToJs(re: string): string {
  const classes: Record<string, string> = {
    digit: '0-9', alpha: 'A-Za-z', alnum: 'A-Za-z0-9', space: ' \\t\\n\\r\\f\\v', xdigit: '0-9A-Fa-f',
    upper: 'A-Z', lower: 'a-z', punct: '!-\\/:-@\\[-`{-~', word: '\\w',
  };
  return re.replace(/\[:(\w+):\]/g, (m, c: string) => classes[c] ?? m).replace(/\[\^/g, '[^\\n');
}

/** Index of the first pattern not found in order in `log`, or -1 when all are. */
export function firstUnmatched(log: string, patterns: readonly string[]): number {
  let rest = log;
  for (let i = 0; i < patterns.length; i++) {
    const m = compilePattern(patterns[i]).exec(rest);
    if (!m) return i;
    rest = rest.slice(m.index + m[0].length);
  }
  return -1;
}
