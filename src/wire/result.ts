// Result of decoding bytes that came from the network. Decoders never throw on such bytes
// (architecture.md, "wire/"): they return a DecodeError that names the byte offset.

export type DecodeErrorCode =
  | 'truncated' // fewer bytes than a length field or fixed layout needs
  | 'bad-length' // a length field that contradicts the layout or the buffer
  | 'bad-value' // a field holds a value the layout forbids (e.g. wrong payload proto)
  | 'bad-checksum'
  | 'unsupported'; // a well-formed thing this codec does not know (kept elsewhere as "unknown")

export interface DecodeError {
  code: DecodeErrorCode;
  /** Absolute byte offset in the buffer passed to decode where the problem was found. */
  offset: number;
  message: string;
}

export type Decoded<T> =
  | { ok: true; value: T /** bytes consumed */; bytes: number }
  | { ok: false; error: DecodeError };

export function decodeOk<T>(value: T, bytes: number): Decoded<T> {
  return { ok: true, value, bytes };
}

export function decodeFail<T = never>(code: DecodeErrorCode, offset: number, message: string): Decoded<T> {
  return { ok: false, error: { code, offset, message } };
}
