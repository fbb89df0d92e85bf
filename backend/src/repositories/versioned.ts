/** Rows as read with their version, for optimistic concurrency without the callers knowing the store. */

/** The opaque version of a stored row (the store's ETag); only repositories look inside. */
export type Version = string & { readonly __brand: 'Version' };

/** A row as read: pass its `version` back to write it only if nobody changed it meanwhile. */
export interface Versioned<T> {
  readonly value: T;
  readonly version: Version;
}

/** Wraps a store entity (repositories only). */
export const versioned = <T>(entity: { readonly data: T; readonly etag: string }): Versioned<T> => ({
  value: entity.data,
  version: entity.etag as Version,
});
