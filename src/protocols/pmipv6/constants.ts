// Proxy Mobile IPv6 (RFC 5213) protocol constants and configuration variable defaults.

/** RFC 5213 §9.1: how long the LMA keeps a de-registered entry before deleting it. */
export const MIN_DELAY_BEFORE_BCE_DELETE_MS = 10_000;
/** RFC 5213 §9.1: largest accepted difference between a PBU's timestamp and the LMA's clock. */
export const TIMESTAMP_VALIDITY_WINDOW_MS = 300;
/** RFC 6275 §12, reused by RFC 5213 §6.9.4 for PBU retransmission. */
export const INITIAL_BINDACK_TIMEOUT_MS = 1000;
export const MAX_BINDACK_TIMEOUT_MS = 32_000;
/** Binding lifetimes are in units of 4 seconds (RFC 6275 §6.1.7). */
export const LIFETIME_UNIT_S = 4;
/** The ALL_ZERO prefix of a PBU that asks the LMA to assign one (RFC 5213 §2.2, §6.9.1.1). */
export const ALL_ZERO = '::';
/** RFC 5213 §8.5: IEEE 802.11a/b/g. */
export const ATT_IEEE_802_11 = 4;
/** RFC 6058 §5: the Transient Binding option's Lifetime is in units of 100 ms. */
export const TRANSIENT_LIFETIME_UNIT_MS = 100;
/** The LMA's own limit on a transient binding (the option's largest value is 25.5 s). */
export const MAX_TRANSIENT_MS = 5000;
