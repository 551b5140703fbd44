import type { Readable } from 'node:stream';

export type TStoredFile = { body: Readable; contentType: string; sizeBytes: number };

/**
 * Where generated files (report exports) live. Local disk under CB_DATA_DIR/files today
 * (`local-storage.ts`); an S3/MinIO driver with presigned URLs fits the same shape.
 */
export type FileStorage = {
  /** Writes atomically (a reader never sees half a file); replaces an existing key. */
  put(
    key: string,
    body: Buffer | Uint8Array,
    meta: { contentType: string },
  ): Promise<{ sizeBytes: number }>;
  /** undefined when there is no such file. */
  get(key: string): Promise<TStoredFile | undefined>;
  /** No error when it is already gone. */
  delete(key: string): Promise<void>;
  /** The stored keys under a folder (`reports/`), with when each was last written. */
  list(prefix: string): Promise<{ key: string; modifiedAt: Date }[]>;
  /** A URL that downloads the file without credentials until it expires, saved as `fileName`. */
  signedUrl(
    key: string,
    options: { expiresInSeconds: number; fileName: string },
  ): Promise<{ url: string; expiresAt: Date }>;
};

const segment = /^[A-Za-z0-9._-]+$/;
const maxKeyLength = 512;

/**
 * Keys are paths on disk and in URLs, so only characters that need no escaping in either, and
 * nothing that could climb out of the root (`..`) or mean "here" (`.`, empty segments).
 */
export function assertStorageKey(key: string): void {
  if (key.length === 0 || key.length > maxKeyLength) {
    throw new TypeError(`Storage key must be 1 to ${maxKeyLength} characters long`);
  }
  for (const part of key.split('/')) {
    if (!segment.test(part) || part === '.' || part === '..') {
      throw new TypeError(
        `${JSON.stringify(key.slice(0, 100))} is not a storage key: segments of A-Z a-z 0-9 . _ - joined by "/", no "." or ".." segment, no leading or double "/"`,
      );
    }
  }
}
