/** Types of build-wasm.mjs for the test that checks the committed binaries. */
export function assemble(file: string): Promise<Buffer>;
