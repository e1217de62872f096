/**
 * Imports an optional package (an optionalDependency that may not have installed, such as
 * tfjs-node): the module, or undefined when it cannot be loaded.
 */
export async function importOptional<T = unknown>(specifier: string): Promise<T | undefined> {
  try {
    return (await import(specifier)) as T;
  } catch {
    return undefined;
  }
}
