/**
 * `textclf`: the command line. Local commands load TensorFlow.js; `remote` ones only the HTTP
 * client, so each kind is imported when it is asked for.
 */
import { isAppError } from '../errors/index.js';
import { parseCli, usageError, USAGE } from './args.js';
import { stopBars } from './progress.js';

const LOCAL = new Set(['train', 'evaluate', 'predict', 'fit-eval']);

async function run(argv: string[]): Promise<void> {
  const args = parseCli(argv);
  if (args.command === 'help' || args.command === '') {
    console.log(USAGE);
    if (args.command === '') process.exitCode = 2;
    return;
  }
  if (args.command === 'remote') return (await import('./remote.js')).runRemote(args);
  if (!LOCAL.has(args.command)) throw usageError(`unknown command "${args.command}" (see textclf --help)`);
  return (await import('./local.js')).runLocal(args);
}

/** 2 for what the user can fix (bad input, flags, configuration, a server's refusal), else 1. */
function exitCode(err: unknown, message: string): number {
  if (isAppError(err) || message.startsWith('invalid configuration')) return 2;
  return err instanceof Error && err.name === 'TextclfError' ? 2 : 1;
}

run(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    stopBars();
    // One line, no stack: bad input is the user's to fix, and the message says how.
    const message = err instanceof Error ? err.message : String(err);
    console.error(`textclf: ${message.split('\n')[0]}`);
    process.exit(exitCode(err, message));
  },
);
