/**
 * `--password-stdin`: the password as the first line of standard input, as `docker login --password-stdin` takes it.
 * A password given as `--password P` is in the shell's history and, while the command runs, in the process list that
 * every user of the machine can read (`ps`, /proc/<pid>/cmdline).
 */
export const passwordStdinFlag = 'password-stdin';

/** The first line of `input`, without its line ending; all of it when it has none. */
export async function readFirstLine(input: NodeJS.ReadableStream & { setEncoding(encoding: BufferEncoding): unknown }): Promise<string> {
  input.setEncoding('utf8');
  let text = '';
  for await (const chunk of input) {
    text += chunk as string;
    const end = text.indexOf('\n');
    if (end >= 0) return text.slice(0, end).replace(/\r$/, '');
  }
  return text;
}
