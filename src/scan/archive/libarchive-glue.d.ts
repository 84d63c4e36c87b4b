/**
 * Types for the emscripten glue inside libarchive.js 2.0 (it ships none for it): only what
 * archive/libarchive-wasm.ts uses. The glue is a factory that instantiates the module and
 * resolves to the emscripten Module object.
 */
declare module 'libarchive.js/src/webworker/wasm-gen/libarchive.js' {
  export interface EmscriptenModuleArg {
    print(text: string): void;
    printErr(text: string): void;
    /** Called by exit(); the default would set process.exitCode. */
    quit(status: number, error: Error): void;
    /** Replaces the glue's own loading of libarchive.wasm. */
    instantiateWasm(imports: object, receive: (instance: { readonly exports: Record<string, unknown> }) => void): Record<string, never>;
  }
  type CType = 'number' | 'string' | null;
  export interface EmscriptenModule {
    readonly HEAPU8: Uint8Array;
    readonly HEAPU32: Uint32Array;
    _malloc(size: number): number;
    _free(pointer: number): void;
    cwrap(name: string, returns: CType, args: readonly CType[]): (...args: Array<number | string | null>) => number | string;
  }
  export default function libarchive(moduleArg: EmscriptenModuleArg): Promise<EmscriptenModule>;
}
