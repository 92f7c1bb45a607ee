import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8 from recompiling PGlite's WebAssembly with its optimizing compiler. PGlite is PostgreSQL built as one
 * 9 MB module; V8 compiles each function with its baseline compiler (Liftoff) on first call and recompiles hot ones
 * with TurboFan in the background. TurboFan on PostgreSQL's SQL parser (raw_parser, 105 kB of code, hot from the
 * first statements) needs about 600 MB of compiler memory for half a second, so a server using 230 MB peaked at
 * 780 MB soon after starting. With Liftoff alone it does not, and starts with a second less CPU; PostgreSQL's code
 * runs about a third slower (replaying the statements of Sesame's token flows), more than made up for by preparing
 * statements once (pglite-statements.ts). Called before PGlite is loaded, so only a process on the embedded database
 * is concerned. `--liftoff-only` turns tier-up off through flag implications, which V8 applies at start-up alone; at
 * run time the flags it implies are set with it.
 */
export function keepWasmOnBaselineCompiler(): void {
  setFlagsFromString('--liftoff-only --no-wasm-tier-up --no-wasm-dynamic-tiering');
}
