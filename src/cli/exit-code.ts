import { ConfigError } from '../config/config.ts';
import { describeError } from './describe-error.ts';

/**
 * Runs a command line and gives the code the process exits with: the command's own, or, when it throws, 78 for a
 * bad configuration (EX_CONFIG, the message naming the variable) and 1 for anything else, said on standard error
 * in a sentence, never a stack trace. The binary (src/main.ts) and the tests' in-process CLI share it.
 */
export async function exitCodeOf(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 78;
    }
    console.error(`Sesame could not start: ${describeError(error).message}`);
    return 1;
  }
}
