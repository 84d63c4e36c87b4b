/**
 * Types for seek-bzip 2.0 (it ships none): only the decoder archive/bzip2-reader.ts uses.
 */
declare module 'seek-bzip' {
  export interface BzipInput {
    /** The next byte, or a negative number at the end. */
    readByte(): number;
    /** Fills `buffer` from `offset` with up to `length` bytes; returns how many. */
    read(buffer: Uint8Array, offset: number, length: number): number;
    seek(position: number): void;
    eof(): boolean;
  }
  export interface BzipOutput {
    writeByte(byte: number): void;
  }
  interface Bunzip {
    decode(input: BzipInput, output: BzipOutput, multistream?: boolean): void;
  }
  const bunzip: Bunzip;
  export default bunzip;
}
